import { Output } from 'ai';
import type { LanguageModelV3CallOptions } from '@ai-sdk/provider';
import { z } from 'zod';
import type { CompanionSettings } from '../../agents/companion-settings.js';

/** How an agent with split replies answers: at most this many bubbles, each after a typing pause. */
export interface SplitReplySettings {
  readonly maxBubbles: number;
  readonly typingMsPerChar: number;
  readonly typingMaxPauseMs: number;
}

/** The agent's split-reply settings, or undefined when it answers in one message. */
export function splitReplySettingsOf(settings: CompanionSettings): SplitReplySettings | undefined {
  if (!settings.splitReplies) return undefined;
  return {
    maxBubbles: settings.splitMaxBubbles,
    typingMsPerChar: settings.typingMsPerChar,
    typingMaxPauseMs: settings.typingMaxPauseMs,
  };
}

/** What the model is asked for: a list of short messages. An object at the top, as strict JSON schemas require. */
export const bubblesSchema = z.object({
  messages: z.array(z.string().trim().min(1)).min(1).describe('The reply as short chat messages, in order'),
});

/** The AI SDK's structured-output spec for the list; only its response format is used (ADR 7 keeps our stream). */
const bubblesOutput = Output.object({
  schema: bubblesSchema,
  name: 'chat_messages',
  description: 'A reply written as a few short chat messages',
});

/** The provider's response format for the list: JSON, with the list's schema. */
export const bubblesResponseFormat = async (): Promise<LanguageModelV3CallOptions['responseFormat']> =>
  bubblesOutput.responseFormat;

/**
 * What a structured answer stopped mid-way had written: the messages complete so far and the one being
 * written, as one text (the SDK's partial parse). Text that is not JSON at all is kept as it is.
 */
export async function writtenBeforeStop(text: string): Promise<string> {
  const unfenced = text.trim().replace(/^```(?:json)?\s*/i, '');
  if (!unfenced.startsWith('{') && !unfenced.startsWith('[')) return text.trim();
  const partial = await bubblesOutput.parsePartialOutput({ text: unfenced });
  const said = partial?.partial.messages ?? [];
  return said.filter((message): message is string => typeof message === 'string' && message.trim() !== '').join('\n\n');
}

/** Added to the agent's instructions, for providers that read the schema loosely (or not at all). */
export const splitInstructions = (maxBubbles: number): string =>
  `Answer like a person texting: split your reply into 1 to ${maxBubbles} short messages, each a complete thought. ` +
  'Answer only with JSON of the form {"messages": ["first message", "second message"]}.';

/**
 * The bubbles of a structured answer: the `messages` list (or a bare list), fenced in ``` or not,
 * validated; past `maxBubbles` the rest join the last bubble, so nothing said is lost. Anything else
 * (not JSON, the wrong shape, nothing in it) is one message: the text as it came.
 */
export function parseBubbles(text: string, maxBubbles: number): string[] {
  const whole = text.trim();
  if (!whole) return [];
  const unfenced = whole.replace(/^```(?:json)?\s*/i, '').replace(/\s*```$/, '');
  let parsed: unknown;
  try {
    parsed = JSON.parse(unfenced);
  } catch {
    return [whole];
  }
  const listed = bubblesSchema.safeParse(Array.isArray(parsed) ? { messages: parsed } : parsed);
  return listed.success ? capBubbles(listed.data.messages, maxBubbles) : [whole];
}

/** The offline model's bubbles: its paragraphs (blank-line separated), capped like any model's. */
export function paragraphBubbles(text: string, maxBubbles: number): string[] {
  const paragraphs = text
    .split(/\n[ \t]*\n+/)
    .map((paragraph) => paragraph.trim())
    .filter(Boolean);
  return capBubbles(paragraphs, maxBubbles);
}

function capBubbles(bubbles: readonly string[], maxBubbles: number): string[] {
  if (bubbles.length <= maxBubbles) return [...bubbles];
  return [...bubbles.slice(0, maxBubbles - 1), bubbles.slice(maxBubbles - 1).join('\n\n')];
}

/** The typing pause before a bubble after the first: proportional to its length, capped. */
export const typingPauseMs = (bubble: string, settings: SplitReplySettings): number =>
  Math.min(bubble.length * settings.typingMsPerChar, settings.typingMaxPauseMs);
