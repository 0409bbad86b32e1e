import { generateText } from 'ai';
import { shortenTo, cutToLength } from '../../../platform/text-cut.js';
import type { ResolvedModel } from '../../chat/index.js';

/** How long the summary and the draft may take before the desk gives up on the model. */
const modelTimeoutMs = 20_000;
const summaryMaxChars = 280;
const draftMaxChars = 2000;
const messageExcerptChars = 1500;

/** A line of the conversation as the desk's prompts show it (never a private note). */
export interface DeskLine {
  readonly speaker: 'contact' | 'assistant' | 'operator';
  readonly content: string;
}

const summaryInstructions =
  'You help a customer-service team. In one or two short sentences, say what the customer wants, so a ' +
  'person taking over need not read the whole conversation. Use the language of the customer. No preamble.';

const draftInstructions =
  'You draft a reply for a human customer-service agent, who will edit it before sending. Answer the ' +
  "customer's latest question from the passages given, briefly and politely, in the customer's language. " +
  'If the passages do not answer it, say what you would ask the customer. No preamble, no signature.';

/** What the offline model says: the customer's own first questions, put together and shortened. */
export function extractSummary(contactMessages: readonly string[], reason?: string | null): string {
  const words = contactMessages
    .map((message) => message.replace(/\s+/g, ' ').trim())
    .filter((message) => message.length > 0);
  const questions = words.filter((message) => /[?？]/.test(message));
  const chosen = (questions.length > 0 ? questions : words).slice(0, 2).join(' ');
  const text = chosen || (reason ? `Asked for a person: ${reason}` : '');
  return shortenTo(text, summaryMaxChars, { trimEnd: true });
}

const transcriptOf = (lines: readonly DeskLine[]) =>
  lines.map((line) => `${line.speaker}: ${cutToLength(line.content, messageExcerptChars)}`).join('\n');

/**
 * What the customer wanted, written by the inbox agent's model; the offline model (and any failure)
 * gives the extractive summary, so the operator always has one.
 */
export async function writeSummary(
  resolved: ResolvedModel | undefined,
  lines: readonly DeskLine[],
  reason: string | null,
): Promise<string> {
  const fallback = extractSummary(
    lines.filter((line) => line.speaker === 'contact').map((line) => line.content),
    reason,
  );
  if (!resolved || resolved.isOffline || lines.length === 0) return fallback;
  try {
    const { text } = await generateText({
      model: resolved.model,
      system: summaryInstructions,
      prompt: `${transcriptOf(lines)}${reason ? `\n\n(The customer was handed to a person because: ${reason})` : ''}`,
      maxOutputTokens: 120,
      maxRetries: 0,
      abortSignal: AbortSignal.timeout(modelTimeoutMs),
    });
    return shortenTo(text.replace(/\s+/g, ' ').trim(), summaryMaxChars, { trimEnd: true }) || fallback;
  } catch {
    return fallback;
  }
}

/** A passage the draft may draw on. */
export interface DraftPassage {
  readonly documentTitle: string;
  readonly content: string;
}

/**
 * A draft reply for the operator, never sent by itself. The offline model quotes the passage that best
 * matches the customer's latest question; a real model writes from the passages and the conversation.
 */
export async function writeDraft(
  resolved: ResolvedModel,
  lines: readonly DeskLine[],
  passages: readonly DraftPassage[],
): Promise<string> {
  const best = passages[0];
  const extractive = best ? shortenTo(best.content.replace(/\s+/g, ' ').trim(), draftMaxChars, { trimEnd: true }) : '';
  if (resolved.isOffline) return extractive;
  const passageBlock = passages
    .map(
      (passage, index) =>
        `[${index + 1}] ${passage.documentTitle}\n${cutToLength(passage.content, messageExcerptChars)}`,
    )
    .join('\n\n');
  const { text } = await generateText({
    model: resolved.model,
    system: passageBlock ? `${draftInstructions}\n\nPassages:\n${passageBlock}` : draftInstructions,
    prompt: transcriptOf(lines),
    maxOutputTokens: 500,
    maxRetries: 0,
    abortSignal: AbortSignal.timeout(modelTimeoutMs),
  });
  return cutToLength(text.trim(), draftMaxChars) || extractive;
}
