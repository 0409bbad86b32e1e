import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3Content,
  LanguageModelV3StreamPart,
  LanguageModelV3Usage,
} from '@ai-sdk/provider';
import { countPromptTokens, countTextTokens, estimateCallTokens, producedText } from './call-tokens.js';
import { gatedCallHeaders } from '../platform/outbound/gated-call-scope.js';
import { learnPromptMargin, promptMarginOf } from './prompt-margin.js';
import type { CallOutcome } from './usage-paths.js';
import { modelWithCalls } from './model-with-calls.js';
import { inSpan } from '../platform/tracing/spans.js';

/** Tokens a call used or may use. */
export interface CallTokens {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** What one admitted call is charged through when it ends. */
export interface CallCharge {
  /** Charges the call's use, records it in the ledger and gives back what it reserved; never rejects. */
  settle(use: CallTokens, outcome: CallOutcome): Promise<void>;
}

/** What watches one resolved model's calls: each is admitted before it starts and charged when it ends. */
export interface ModelMeter {
  /**
   * Admits one call, or throws (an AppError: the budget's 429). `estimate` (the prompt counted and the
   * longest answer allowed) is asked for only when a budget needs a reservation.
   */
  admitCall(estimate: () => Promise<CallTokens>): Promise<CallCharge>;
}

/**
 * The same model, with every call (a chat reply, each step of a tool loop, a title, a job's
 * `generateText`) admitted before it starts and charged when it ends, however it ends:
 * - finished: the provider's usage, or Parley's own count of the prompt and the answer where the
 *   provider reported none;
 * - stopped or failed after the provider accepted it: the prompt and what it produced so far;
 * - refused by the provider before it started: nothing.
 * A call already streaming is never cut short: only the next call is refused.
 */
export function meteredModel(model: LanguageModelV3, meter: ModelMeter): LanguageModelV3 {
  const modelKey = `${model.provider}:${model.modelId}`;
  /** The call's estimate, its prompt reserved at the provider's margin; `counted` keeps Parley's own count. */
  const estimator = (options: LanguageModelV3CallOptions) => {
    const seen: { counted?: number } = {};
    const estimate = async (): Promise<CallTokens> => {
      const tokens = await estimateCallTokens(options);
      seen.counted = tokens.inputTokens;
      return { ...tokens, inputTokens: Math.ceil(tokens.inputTokens * promptMarginOf(modelKey)) };
    };
    // Learned only where a budget asked for the estimate: no call pays the tokenizer for it otherwise.
    const learn = (usage: LanguageModelV3Usage) => {
      if (seen.counted !== undefined) learnPromptMargin(modelKey, seen.counted, usage.inputTokens.total);
    };
    return { estimate, learn };
  };
  return modelWithCalls(model, {
    async doGenerate(options) {
      const { estimate, learn } = estimator(options);
      const charge = await admitted(meter, estimate);
      let result: Awaited<ReturnType<LanguageModelV3['doGenerate']>>;
      try {
        // With the gate's mark: the server-wide providers' pool sends nothing else (gated-call-scope.ts).
        result = await model.doGenerate(withGateMark(options));
      } catch (error) {
        await charge.settle(nothingUsed, 'failed');
        throw error;
      }
      learn(result.usage);
      await charge.settle(await chargedUse(options, result.usage, () => textOfContent(result.content)), 'finished');
      return result;
    },
    async doStream(options) {
      const { estimate, learn } = estimator(options);
      const charge = await admitted(meter, estimate);
      let result: Awaited<ReturnType<LanguageModelV3['doStream']>>;
      try {
        result = await model.doStream(withGateMark(options));
      } catch (error) {
        await charge.settle(nothingUsed, 'failed');
        throw error;
      }
      return { ...result, stream: chargedStream(result.stream, options, charge, learn) };
    },
  });
}

const nothingUsed: CallTokens = { inputTokens: 0, outputTokens: 0 };

/** The gate's answer for one call, as its own span when tracing is on (the budget, asked at call time). */
const admitted = (meter: ModelMeter, estimate: () => Promise<CallTokens>): Promise<CallCharge> =>
  inSpan('parley.gate', {}, () => meter.admitCall(estimate));

/** The call's options with the gate's mark among its headers (gated-call-scope.ts). */
function withGateMark(options: LanguageModelV3CallOptions): LanguageModelV3CallOptions {
  return { ...options, headers: { ...options.headers, ...gatedCallHeaders() } };
}

/**
 * The stream as it was, charging the call once: at its `finish` part (awaited before the part goes on,
 * so the user's next message is checked against this call), or, where the stream ends without one
 * (stopped by the reader, failed mid-way), with the prompt and the text produced until then.
 */
function chargedStream(
  source: ReadableStream<LanguageModelV3StreamPart>,
  options: LanguageModelV3CallOptions,
  charge: CallCharge,
  learn: (usage: LanguageModelV3Usage) => void,
): ReadableStream<LanguageModelV3StreamPart> {
  const reader = source.getReader();
  const produced: string[] = [];
  let isCharged = false;
  const chargeOnce = async (use: () => Promise<CallTokens>, outcome: CallOutcome): Promise<void> => {
    if (isCharged) return;
    isCharged = true;
    await charge.settle(await use().catch(() => nothingUsed), outcome);
  };
  // Not awaited: counting the prompt (the tokenizer loads on first use) must not hold up a stop or a
  // failure reaching the turn; settle never rejects.
  const chargeSoFar = (outcome: CallOutcome) => void chargeOnce(() => cutShortUse(options, produced.join('')), outcome);
  return new ReadableStream<LanguageModelV3StreamPart>({
    async pull(controller) {
      let next: ReadableStreamReadResult<LanguageModelV3StreamPart>;
      try {
        next = await reader.read();
      } catch (error) {
        // A stop aborts the request: the read fails, but the call was ended by its reader.
        chargeSoFar(options.abortSignal?.aborted ? 'stopped' : 'failed');
        controller.error(error);
        return;
      }
      if (next.done) {
        // Ended without its `finish` part: stopped, or else the provider cut it short.
        chargeSoFar(options.abortSignal?.aborted ? 'stopped' : 'failed');
        controller.close();
        return;
      }
      const part = next.value;
      const text = producedText(part);
      if (text !== undefined) produced.push(text);
      if (part.type === 'finish') {
        learn(part.usage);
        await chargeOnce(() => chargedUse(options, part.usage, () => produced.join('')), 'finished');
      }
      controller.enqueue(part);
    },
    async cancel(reason) {
      chargeSoFar('stopped');
      await reader.cancel(reason);
    },
  });
}

/** A finished call's use: the provider's counts, each one it left out counted by Parley. */
async function chargedUse(
  options: LanguageModelV3CallOptions,
  usage: LanguageModelV3Usage,
  answer: () => string,
): Promise<CallTokens> {
  return {
    inputTokens: usage.inputTokens.total ?? (await countPromptTokens(options)),
    outputTokens: usage.outputTokens.total ?? (await countTextTokens(answer())),
  };
}

/** A call that ended before its end: the provider had its prompt, and billed what it produced. */
async function cutShortUse(options: LanguageModelV3CallOptions, answer: string): Promise<CallTokens> {
  return { inputTokens: await countPromptTokens(options), outputTokens: await countTextTokens(answer) };
}

function textOfContent(content: readonly LanguageModelV3Content[]): string {
  return content
    .map((part) =>
      part.type === 'text' || part.type === 'reasoning' ? part.text : part.type === 'tool-call' ? part.input : '',
    )
    .join('');
}
