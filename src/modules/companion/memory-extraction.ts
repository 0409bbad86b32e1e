import { generateText } from 'ai';
import { z } from 'zod';
import type { ResolvedModel } from '../chat/index.js';
import { cutToLength, trailingRunOf } from '../../platform/text-cut.js';

/** A fact is one short line; a message gives a few at most. */
export const memoryMaxChars = 200;
const maxFactsPerMessage = 5;
const messageExcerptChars = 4000;

const extractionInstructions =
  'You keep short facts about a user for an assistant that will talk to them again. From the user message, ' +
  'list the lasting facts the user states about themselves (preferences, people, pets, places, work, plans), ' +
  `each a short third-person phrase such as "Prefers metric units" or "Has a dog called Rex". At most ${maxFactsPerMessage}. ` +
  'Answer only with a JSON array of strings; [] when there are none.';

const factsSchema = z.array(z.string().trim().min(1).max(memoryMaxChars)).max(maxFactsPerMessage * 2);

/**
 * The facts a user message states about its writer. The offline model applies rules to first-person
 * sentences; another model is asked for a JSON list, and an answer that is not one gives no facts. A
 * failing model call is thrown, for the job to retry.
 */
export async function extractFacts(
  resolved: Pick<ResolvedModel, 'model' | 'isOffline'>,
  message: string,
  options: { abortSignal: AbortSignal; timeoutMs: number },
): Promise<string[]> {
  if (resolved.isOffline) return offlineFacts(message);
  const { text } = await generateText({
    model: resolved.model,
    system: extractionInstructions,
    prompt: cutToLength(message, messageExcerptChars),
    maxOutputTokens: 300,
    maxRetries: 0,
    abortSignal: AbortSignal.any([options.abortSignal, AbortSignal.timeout(options.timeoutMs)]),
  });
  return parseFactList(text);
}

/** A JSON array of strings, fenced or not; anything else is no facts. */
export function parseFactList(text: string): string[] {
  const unfenced = text
    .trim()
    .replace(/^```(?:json)?\s*/i, '')
    .replace(/\s*```$/, '');
  try {
    const parsed = factsSchema.safeParse(JSON.parse(unfenced));
    return parsed.success ? [...new Set(parsed.data)].slice(0, maxFactsPerMessage) : [];
  } catch {
    return [];
  }
}

/** Verbs of lasting statements, as a first person says them and as a fact repeats them. */
const thirdPerson: Record<string, string> = {
  prefer: 'Prefers',
  like: 'Likes',
  love: 'Loves',
  hate: 'Hates',
  dislike: 'Dislikes',
  enjoy: 'Enjoys',
  live: 'Lives',
  work: 'Works',
  use: 'Uses',
  speak: 'Speaks',
  study: 'Studies',
  own: 'Owns',
  drive: 'Drives',
  play: 'Plays',
  need: 'Needs',
  want: 'Wants',
};

const rules: readonly [RegExp, (match: RegExpMatchArray) => string][] = [
  [/^i(?:'m| am) ((?:allergic to|vegetarian|vegan|a|an|from|based in|\d+ years old)\b.*)$/i, (m) => `Is ${m[1]}`],
  [/^i(?: have|'ve got| have got) (a |an |two |three |\d+ )(.+)$/i, (m) => `Has ${m[1]}${m[2]}`],
  [/^i (?:don't|do not) (like|eat|drink|use|want) (.+)$/i, (m) => `Does not ${m[1]!.toLowerCase()} ${m[2]}`],
  [
    /^i (?:really |usually |always )?(\w+) (.+)$/i,
    (m) => (thirdPerson[m[1]!.toLowerCase()] ? `${thirdPerson[m[1]!.toLowerCase()]} ${m[2]}` : ''),
  ],
  [
    /^my (.+?) (is|are|was) (?:called |named )?(.+)$/i,
    (m) => `Their ${m[1]} ${m[2]} ${/called|named/i.test(m[0]) ? 'called ' : ''}${m[3]}`,
  ],
];

/**
 * The built-in model's facts: first-person statements turned into short third-person ones ("I prefer
 * metric units" → "Prefers metric units", "My dog is called Rex" → "Their dog is called Rex").
 * Questions and sentences that say nothing lasting are left out.
 */
export function offlineFacts(message: string): string[] {
  const sentences = message
    .replace(/\s+/g, ' ')
    .split(/(?<=[.!?;])\s+|\n/)
    .map((sentence) => sentence.trim())
    .filter((sentence) => sentence && !sentence.endsWith('?'));
  const facts: string[] = [];
  for (const sentence of sentences) {
    const ending = trailingRunOf(sentence, '.!;');
    const plain = sentence
      .slice(0, sentence.length - ending.length)
      .replace(/^(?:and|also|btw|by the way|oh),?\s+/i, '');
    const fact = factOf(plain);
    if (fact && fact.length <= memoryMaxChars && !facts.includes(fact)) facts.push(fact);
    if (facts.length >= maxFactsPerMessage) break;
  }
  return facts;
}

function factOf(sentence: string): string | undefined {
  // "My name is…" before the general "My … is …".
  const name = /^my name is (.+)$/i.exec(sentence);
  if (name) return `Is called ${name[1]}`;
  for (const [pattern, write] of rules) {
    const match = pattern.exec(sentence);
    if (!match) continue;
    const fact = write(match).trim();
    if (fact.split(' ').length >= 2) return fact;
  }
  return undefined;
}

/** What makes two facts the same one: case, spacing and punctuation aside. */
export const factKeyOf = (fact: string): string =>
  fact
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
