import { generateText, NoObjectGeneratedError, Output } from 'ai';
import { z } from 'zod';
import type { ResolvedModel } from '../chat/index.js';
import { AppError } from '../../platform/errors.js';
import { cutToLength } from '../../platform/text-cut.js';

/** What a suggestion proposes: instructions given after the agent's own, why, and how sure. */
export interface PersonalityProposal {
  readonly instructions: string;
  readonly reason: string;
  readonly confidence: number;
}

export const suggestionInstructionsMaxChars = 2000;

export const proposalSchema = z.strictObject({
  instructions: z.string().trim().min(1).max(suggestionInstructionsMaxChars),
  reason: z.string().trim().min(1).max(1000),
  confidence: z.number().min(0).max(1),
});

/** The user's messages the analysis reads: the latest ones, each cut, within a budget. */
const messageExcerptChars = 500;
const promptBudgetChars = 12_000;

const analysisInstructions =
  "You review whether an assistant's personality fits how one user talks to it. Read the assistant's " +
  "instructions and the user's messages, then judge their formality, how much detail they want, the topics " +
  'they keep coming back to, and whether they seem satisfied. Propose short extra instructions, given after ' +
  "the assistant's own, that would make it fit this user better: concrete, at most a few lines, written to the " +
  'assistant, never repeating its own instructions. Give the reason in one or two sentences, and a confidence ' +
  'between 0 and 1. Answer only with a JSON object {"instructions": string, "reason": string, "confidence": number}.';

/** A model answer that is not a valid proposal: a failed attempt, retried, never stored. */
export class InvalidProposalError extends AppError {
  constructor() {
    super('unprocessable', 'The utility model did not answer with a valid personality suggestion');
  }
}

/**
 * The personality suggestion for a user's messages. The offline model applies rules to them
 * (`offlineProposal`); another model is asked for structured output, validated (a fenced JSON object is
 * accepted). A failed call or an invalid answer is thrown, for the job to retry.
 */
export async function proposePersonality(
  resolved: Pick<ResolvedModel, 'model' | 'isOffline'>,
  input: { agentInstructions: string; userMessages: readonly string[] },
  options: { abortSignal: AbortSignal; timeoutMs: number },
): Promise<PersonalityProposal | undefined> {
  if (resolved.isOffline) return offlineProposal(input.userMessages);
  const prompt = [
    `The assistant's instructions:\n${cutToLength(input.agentInstructions.trim() || '(none)', 4000)}`,
    `The user's latest messages, oldest first:\n${excerpts(input.userMessages)}`,
  ].join('\n\n');
  try {
    const { output } = await generateText({
      model: resolved.model,
      system: analysisInstructions,
      prompt,
      output: Output.object({ schema: proposalSchema }),
      maxOutputTokens: 600,
      maxRetries: 0,
      abortSignal: AbortSignal.any([options.abortSignal, AbortSignal.timeout(options.timeoutMs)]),
    });
    return output;
  } catch (error) {
    if (!NoObjectGeneratedError.isInstance(error)) throw error;
    return parseProposal(error.text ?? '');
  }
}

/** A JSON proposal, fenced or not; anything else is an invalid answer. */
export function parseProposal(text: string): PersonalityProposal {
  const unfenced = text
    .trim()
    .replace(/^```(?:json)?\s*/i, '')
    .replace(/\s*```$/, '');
  try {
    const parsed = proposalSchema.safeParse(JSON.parse(unfenced));
    if (parsed.success) return parsed.data;
  } catch {
    // Not JSON at all: as invalid as JSON of the wrong shape.
  }
  throw new InvalidProposalError();
}

function excerpts(messages: readonly string[]): string {
  const lines: string[] = [];
  let used = 0;
  for (const message of [...messages].reverse()) {
    const line = `- ${cutToLength(message.replace(/\s+/g, ' ').trim(), messageExcerptChars)}`;
    if (used + line.length > promptBudgetChars) break;
    lines.unshift(line);
    used += line.length + 1;
  }
  return lines.join('\n');
}

const casualMarkers =
  /\b(?:lol|haha+|hey|hiya|yeah|yep|nope|gonna|wanna|gotta|thx|pls|plz|btw|cool|awesome|dude|ok|okay|omg|idk|u|ur)\b|[!?]{2,}|:\)|:D|;\)|\p{Extended_Pictographic}/iu;
const formalMarkers =
  /\b(?:please|kindly|would you|could you|thank you|dear|regards|sincerely|i would appreciate|may i|i would like)\b/i;
const dissatisfiedMarkers =
  /\b(?:not what i asked|that's wrong|that is wrong|doesn't work|does not work|didn't work|not helpful|useless|you misunderstood|not what i meant|try again|too long|too short)\b/i;
const stopWords = new Set(
  (
    'about above after again also always another because been before being below between both cannot could ' +
    'does doing done down each even every from have having here into just know like make many more most much ' +
    'must need only other over really same should some such than that their them then there these they thing ' +
    'things think this those through very want what when where which while will with would your yours please ' +
    'thanks thank hello could good great sure okay maybe still well something anything tell give help'
  ).split(' '),
);

const share = (messages: readonly string[], pattern: RegExp) =>
  messages.filter((message) => pattern.test(message)).length / messages.length;

/** The words found in at least a fifth of the messages (and three of them), most frequent first. */
function recurringTopics(messages: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const message of messages) {
    const words = new Set(message.toLowerCase().match(/\p{L}{4,}/gu) ?? []);
    for (const word of words) if (!stopWords.has(word)) counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  const threshold = Math.max(3, Math.ceil(messages.length / 5));
  return [...counts.entries()]
    .filter(([, count]) => count >= threshold)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, 3)
    .map(([word]) => word);
}

/**
 * The built-in model's suggestion: rules on the user's messages. Short messages ask for short answers,
 * long ones for detail; casual or formal wording sets the tone; words that keep coming back are topics to
 * draw examples from; repeated complaints ask for a check of the question first. Each finding is one
 * instruction and one part of the reason; the confidence grows with the findings and the messages read.
 * No finding, no suggestion.
 */
export function offlineProposal(userMessages: readonly string[]): PersonalityProposal | undefined {
  const messages = userMessages.map((message) => message.trim()).filter(Boolean);
  if (messages.length === 0) return undefined;
  const instructions: string[] = [];
  const reasons: string[] = [];
  const averageWords = messages.reduce((sum, message) => sum + message.split(/\s+/).length, 0) / messages.length;
  if (averageWords <= 8) {
    instructions.push('Keep answers short: two or three sentences, no preamble.');
    reasons.push(`their messages are short (${Math.round(averageWords)} words on average)`);
  } else if (averageWords >= 40) {
    instructions.push('Give detailed answers: explain step by step, with examples.');
    reasons.push(`they write at length (${Math.round(averageWords)} words on average)`);
  }
  const casual = share(messages, casualMarkers);
  const formal = share(messages, formalMarkers);
  if (casual >= 0.3 && casual > formal) {
    instructions.push('Use a relaxed, friendly, casual tone.');
    reasons.push(`they write casually (${Math.round(casual * 100)}% of their messages)`);
  } else if (formal >= 0.3 && formal > casual) {
    instructions.push('Use a formal, courteous tone.');
    reasons.push(`they write formally (${Math.round(formal * 100)}% of their messages)`);
  }
  const topics = recurringTopics(messages);
  if (topics.length > 0) {
    instructions.push(`Draw examples from what they often talk about: ${topics.join(', ')}.`);
    reasons.push(`they keep coming back to ${topics.join(', ')}`);
  }
  const dissatisfied = messages.filter((message) => dissatisfiedMarkers.test(message)).length;
  if (dissatisfied >= 2) {
    instructions.push('Make sure you understood the question before answering; ask when it is unclear.');
    reasons.push(`they were unhappy with an answer ${dissatisfied} times`);
  }
  if (instructions.length === 0) return undefined;
  const confidence = Math.min(0.95, 0.3 + 0.1 * instructions.length + Math.min(messages.length, 50) / 250);
  return {
    instructions: instructions.map((line) => `- ${line}`).join('\n'),
    reason: `In ${messages.length} messages, ${reasons.join('; ')}.`,
    confidence: Math.round(confidence * 100) / 100,
  };
}
