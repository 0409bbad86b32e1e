import { generateText, Output } from 'ai';
import { z } from 'zod';
import type { ResolvedModel } from '../chat/index.js';
import { cutToLength, shortenTo } from '../../platform/text-cut.js';

/** What the utility model decides for a quiet conversation. */
export const proactiveActions = ['continue', 'new_topic', 'wait'] as const;
export type ProactiveAction = (typeof proactiveActions)[number];

export const proactiveMessageMaxChars = 1000;
const messageExcerptChars = 800;
const topicChars = 80;

/** A message to send, or a wait. An answer that breaks these rules is a failed attempt, retried. */
export const proactiveDecisionSchema = z
  .strictObject({
    action: z.enum(proactiveActions),
    message: z.string().trim().max(proactiveMessageMaxChars).default(''),
  })
  .refine((decision) => decision.action === 'wait' || decision.message.length > 0, {
    message: 'continue and new_topic need a message to send',
  });
export type ProactiveDecision = z.infer<typeof proactiveDecisionSchema>;

/** Thrown for an answer that is not a valid decision: the job fails and retries; nothing is sent. */
export class InvalidDecisionError extends Error {
  override readonly name = 'InvalidDecisionError';
}

export interface DecisionContext {
  readonly agentInstructions: string;
  /** Oldest first; the conversation's latest messages. */
  readonly messages: readonly { role: 'user' | 'assistant' | 'system'; content: string }[];
  readonly idleMinutes: number;
  /** Proactive messages already sent in a row without an answer. */
  readonly unanswered: number;
}

const decisionInstructions =
  'You decide whether an assistant should write first to a user who went quiet, and write that message. ' +
  'Answer with JSON {"action": "continue" | "new_topic" | "wait", "message": string}. ' +
  '"continue": follow up on what the conversation was about; "new_topic": open something new the user would ' +
  'care about; "wait": the conversation ended naturally or a message now would be unwelcome (message ""). ' +
  'A message is short (one to three sentences), friendly, in the language of the conversation, never pushy.';

/**
 * The decision for one quiet conversation. The offline model checks in on the conversation's last topic
 * (deterministic); another model answers with structured output, validated. A failed call or an invalid
 * answer is thrown, for the job to retry: it never becomes a message.
 */
export async function decideProactive(
  resolved: Pick<ResolvedModel, 'model' | 'isOffline'>,
  context: DecisionContext,
  options: { abortSignal: AbortSignal; timeoutMs: number },
): Promise<ProactiveDecision> {
  if (resolved.isOffline) return offlineDecision(context);
  const transcript = context.messages
    .map(
      (message) =>
        `${message.role === 'user' ? 'User' : 'Assistant'}: ${cutToLength(message.content, messageExcerptChars)}`,
    )
    .join('\n\n');
  const { output } = await generateText({
    model: resolved.model,
    system: `${decisionInstructions}${context.agentInstructions ? `\n\nThe assistant's own instructions:\n${context.agentInstructions}` : ''}`,
    prompt:
      `The user has been quiet for ${context.idleMinutes} minutes; ${context.unanswered} earlier message(s) ` +
      `you sent on your own are unanswered.\n\nConversation:\n${transcript}`,
    output: Output.object({ schema: proactiveDecisionSchema }),
    maxOutputTokens: 400,
    maxRetries: 0,
    abortSignal: AbortSignal.any([options.abortSignal, AbortSignal.timeout(options.timeoutMs)]),
  }).catch((error: unknown) => {
    throw error instanceof Error && error.name === 'AI_NoOutputGeneratedError'
      ? new InvalidDecisionError('The utility model did not answer a valid decision', { cause: error })
      : error;
  });
  const parsed = proactiveDecisionSchema.safeParse(output);
  if (!parsed.success) throw new InvalidDecisionError('The utility model did not answer a valid decision');
  return parsed.data;
}

/**
 * The built-in model's rule: with something the user said, a check-in naming its topic (the first
 * sentence of their last message); a second one in a row offers to pick up anything new; with nothing
 * the user said, wait.
 */
export function offlineDecision(context: Pick<DecisionContext, 'messages' | 'unanswered'>): ProactiveDecision {
  const lastUser = [...context.messages].reverse().find((message) => message.role === 'user' && message.content.trim());
  if (!lastUser) return { action: 'wait', message: '' };
  const topic = lastTopic(lastUser.content);
  if (context.unanswered > 0) {
    return {
      action: 'new_topic',
      message: `Still here if you need me. We can go back to "${topic}", or talk about anything new.`,
    };
  }
  return { action: 'continue', message: `Hi again! Last time we talked about "${topic}". How is it going?` };
}

/** The first sentence of a message, on one line, short. */
function lastTopic(content: string): string {
  const line = content.replace(/\s+/g, ' ').trim();
  const end = line.search(/[.!?](\s|$)/);
  return shortenTo(end > 0 ? line.slice(0, end) : line, topicChars, { trimEnd: true });
}
