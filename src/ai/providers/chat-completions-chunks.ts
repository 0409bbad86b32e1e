import { TypeValidationError } from '@ai-sdk/provider';

/**
 * One streamed Chat Completions chunk, as far as the lean stream reads it (ADR 28). The checks below accept
 * exactly what `@ai-sdk/openai-compatible`'s chunk schema accepts (a chunk, or else an error body), in
 * plain `typeof` tests instead of a Zod parse per chunk, so that a chunk the SDK would refuse is refused
 * here too, as the same kind of error.
 */
export interface WireChunk {
  readonly id?: string | null;
  readonly created?: number | null;
  readonly model?: string | null;
  readonly choices: readonly WireChoice[];
  readonly usage?: WireUsage | null;
}

export interface WireChoice {
  readonly delta?: WireDelta | null;
  readonly finish_reason?: string | null;
}

export interface WireDelta {
  readonly content?: string | readonly WireContentPart[] | null;
  readonly reasoning_content?: string | null;
  readonly reasoning?: string | null;
  readonly tool_calls?: readonly WireToolCallDelta[] | null;
}

/** Mistral-style content: text parts, and `thinking` parts whose text parts are reasoning. */
export interface WireContentPart {
  readonly type: string;
  readonly text?: unknown;
  readonly thinking?: unknown;
}

export interface WireToolCallDelta {
  readonly index?: number | null;
  readonly id?: string | null;
  readonly function: { readonly name?: string | null; readonly arguments?: string | null };
  readonly extra_content?: { readonly google?: { readonly thought_signature?: string | null } | null } | null;
}

export interface WireUsage {
  readonly prompt_tokens?: number | null;
  readonly completion_tokens?: number | null;
  readonly total_tokens?: number | null;
  readonly prompt_tokens_details?: { readonly cached_tokens?: number | null } | null;
  readonly completion_tokens_details?: {
    readonly reasoning_tokens?: number | null;
    readonly accepted_prediction_tokens?: number | null;
    readonly rejected_prediction_tokens?: number | null;
  } | null;
}

/** What one event's JSON is: a chunk, an `{ error }` body (its error, as the SDK passes it on), or neither. */
export type CheckedChunk =
  | { readonly kind: 'chunk'; readonly chunk: WireChunk }
  | { readonly kind: 'error-body'; readonly error: unknown }
  | { readonly kind: 'unreadable'; readonly error: TypeValidationError };

export function checkChunk(value: unknown): CheckedChunk {
  if (isChunk(value)) return { kind: 'chunk', chunk: value };
  if (isRecord(value) && isErrorDetails(value['error']))
    return { kind: 'error-body', error: errorFields(value['error']) };
  const cause = new Error('The chunk is neither a Chat Completions chunk nor an error body');
  return { kind: 'unreadable', error: new TypeValidationError({ value, cause }) };
}

type Fields = Record<string, unknown>;

const isRecord = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isNullishString = (value: unknown): boolean => value == null || typeof value === 'string';
const isNullishNumber = (value: unknown): boolean => value == null || typeof value === 'number';
const areNullishNumbers = (fields: Fields, names: readonly string[]): boolean =>
  names.every((name) => isNullishNumber(fields[name]));

function isChunk(value: unknown): value is WireChunk {
  if (!isRecord(value)) return false;
  const { id, created, model, choices, usage } = value;
  return (
    isNullishString(id) &&
    isNullishNumber(created) &&
    isNullishString(model) &&
    Array.isArray(choices) &&
    choices.every(isChoice) &&
    (usage == null || isUsage(usage))
  );
}

function isChoice(choice: unknown): boolean {
  return (
    isRecord(choice) &&
    isNullishString(choice['finish_reason']) &&
    (choice['delta'] == null || isDelta(choice['delta']))
  );
}

function isDelta(delta: unknown): boolean {
  if (!isRecord(delta)) return false;
  const { role, content, reasoning_content, reasoning, tool_calls } = delta;
  return (
    (role == null || role === 'assistant' || role === '') &&
    (content == null || typeof content === 'string' || (Array.isArray(content) && content.every(isContentPart))) &&
    isNullishString(reasoning_content) &&
    isNullishString(reasoning) &&
    (tool_calls == null || (Array.isArray(tool_calls) && tool_calls.every(isToolCallDelta)))
  );
}

const isContentPart = (part: unknown): boolean => isRecord(part) && typeof part['type'] === 'string';

function isToolCallDelta(call: unknown): boolean {
  if (!isRecord(call)) return false;
  const { index, id, extra_content: extra } = call;
  const called = call['function'];
  const google = isRecord(extra) ? extra['google'] : undefined;
  return (
    isNullishNumber(index) &&
    isNullishString(id) &&
    isRecord(called) &&
    isNullishString(called['name']) &&
    isNullishString(called['arguments']) &&
    (extra == null ||
      (isRecord(extra) && (google == null || (isRecord(google) && isNullishString(google['thought_signature'])))))
  );
}

function isUsage(usage: unknown): boolean {
  if (!isRecord(usage)) return false;
  const { prompt_tokens_details: prompt, completion_tokens_details: completion } = usage;
  return (
    areNullishNumbers(usage, ['prompt_tokens', 'completion_tokens', 'total_tokens']) &&
    (prompt == null || (isRecord(prompt) && areNullishNumbers(prompt, ['cached_tokens']))) &&
    (completion == null ||
      (isRecord(completion) &&
        areNullishNumbers(completion, [
          'reasoning_tokens',
          'accepted_prediction_tokens',
          'rejected_prediction_tokens',
        ])))
  );
}

/** The SDK's error schema: `{ error: { message, type?, param?, code? } }`, code a string or a number. */
function isErrorDetails(error: unknown): error is Fields {
  if (!isRecord(error)) return false;
  const { message, type, code } = error;
  return typeof message === 'string' && isNullishString(type) && (isNullishString(code) || typeof code === 'number');
}

/** Only the fields the SDK's schema keeps (a Zod object drops the others). */
function errorFields(error: Fields): Fields {
  const kept: Fields = {};
  for (const name of ['message', 'type', 'param', 'code']) if (name in error) kept[name] = error[name];
  return kept;
}
