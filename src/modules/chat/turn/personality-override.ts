/**
 * The agent as one conversation sees it: its instructions, then the personality the conversation keeps
 * (an applied personality suggestion, docs/companion.md), which takes precedence over them.
 */
export function withPersonalityOverride<Agent extends { readonly instructions: string }>(
  agent: Agent,
  personalityOverride: string | null,
): Agent {
  const override = personalityOverride?.trim();
  if (!override) return agent;
  const instructions = agent.instructions.trim();
  const block = `How to talk with this user in this conversation (this takes precedence over any instruction above):\n${override}`;
  return { ...agent, instructions: instructions ? `${instructions}\n\n${block}` : block };
}
