/**
 * How much more a provider counts a prompt than Parley's own tokenizer does, model by model, learned from
 * the calls it answers. Budgets reserve a call's prompt before it starts (metered-model.ts), counted with
 * o200k; a provider counts with its own vocabulary and adds its chat template, ~1.3× here for short
 * prompts. Reserved at Parley's count, thirty calls at once passed a budget by 1.66 reservations (issue
 * 64): each used more than it held. Reserved at this margin, each call holds at least what it uses, so
 * however many run at once the month passes its budget by at most the last one admitted.
 */

/** Before a model's first answer: above every template seen (a short prompt's fixed part weighs most). */
const unknownModelRatio = 1.6;
/** A provider's counts vary with the prompt: the highest of its recent calls, with room to spare. */
const recentCalls = 20;
const headroom = 1.1;
/** Never below Parley's own count, never wildly above it (a provider that reports nonsense). */
const lowest = 1;
const highest = 4;

const recentRatios = new Map<string, number[]>();

/** The factor a prompt counted by Parley is reserved at, for `model` (`provider:modelId`). */
export function promptMarginOf(model: string): number {
  const ratios = recentRatios.get(model);
  if (!ratios || ratios.length === 0) return unknownModelRatio;
  return Math.min(highest, Math.max(lowest, Math.max(...ratios) * headroom));
}

/** A call of `model` answered: Parley counted `counted` prompt tokens, the provider `reported`. */
export function learnPromptMargin(model: string, counted: number, reported: number | undefined): void {
  if (reported === undefined || counted <= 0 || reported <= 0) return;
  const ratios = recentRatios.get(model) ?? [];
  ratios.push(reported / counted);
  if (ratios.length > recentCalls) ratios.shift();
  recentRatios.set(model, ratios);
  if (recentRatios.size > 1_000) recentRatios.delete(recentRatios.keys().next().value!);
}
