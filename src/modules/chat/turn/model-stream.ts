import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3FunctionTool,
  LanguageModelV3FinishReason,
  LanguageModelV3Usage,
} from '@ai-sdk/provider';
import { NoOutputGeneratedError, type FinishReason } from 'ai';
import { openModelStream, sendsImages, toModelPrompt, totalsOf, type TextMessage } from '../../../ai/model-call.js';
import { describeModelError, type ModelErrorDescription } from '../../../ai/model-errors.js';
import type { ModelWarningLog } from '../../../ai/model-warnings.js';
import { providerDiagnosis } from '../../../ai/provider-diagnosis.js';
import type { Metrics } from '../../../platform/metrics.js';
import type { ModelMetricLabels } from './model-resolver.js';

export interface ModelStreamRequest {
  readonly model: LanguageModelV3;
  /** For error messages: `openai`, `offline`, a tenant provider's name. */
  readonly providerName: string;
  readonly metricLabels: ModelMetricLabels;
  readonly system: string | undefined;
  readonly messages: readonly TextMessage[];
  readonly temperature: number | undefined;
  readonly maxOutputTokens: number | undefined;
  /** More of the call's settings, as a caller of the OpenAI-compatible API may choose them. */
  readonly sampling?: SamplingSettings;
  readonly timeoutMs: number;
  /** Tools the model may call; their calls come back as `tool-call` events and are not run here (an evaluation's handoff). */
  readonly tools?: readonly LanguageModelV3FunctionTool[];
  /**
   * Cancels the call: a stateless caller that went away, or a chat turn's node stopping (a client that
   * leaves does not cancel a chat turn: its reply is finished and stored).
   */
  readonly abortSignal?: AbortSignal;
}

/** Settings passed to the provider as they are; one it does not support is ignored with a warning by its SDK. */
export type SamplingSettings = Pick<
  LanguageModelV3CallOptions,
  'topP' | 'stopSequences' | 'seed' | 'frequencyPenalty' | 'presencePenalty' | 'responseFormat'
>;

export type ModelStreamEvent =
  | { readonly type: 'text-delta'; readonly delta: string }
  | { readonly type: 'reasoning-delta'; readonly delta: string }
  | { readonly type: 'tool-call'; readonly toolCallId: string; readonly toolName: string; readonly input: unknown };

export interface TokenUsage {
  readonly inputTokens: number | null;
  readonly outputTokens: number | null;
  readonly reasoningTokens: number | null;
  readonly totalTokens: number | null;
}

/** How a reply ended: the model's reason, or `stopped` when its owner stopped it (what was written is kept). */
export type ReplyFinishReason = FinishReason | 'stopped';

export interface ModelStreamResult {
  readonly text: string;
  readonly reasoning: string;
  readonly usage: TokenUsage;
  readonly finishReason: ReplyFinishReason | null;
  readonly timeToFirstTokenMs: number | null;
  readonly durationMs: number;
  /** Set when the call failed, timed out or was cancelled; text then holds what arrived before. */
  readonly error?: ModelErrorDescription;
  /** The provider's own words about a request it refused, for the operator's log only (provider-diagnosis.ts). */
  readonly providerSaid?: string;
}

export interface ModelStreamDeps {
  readonly metrics: Pick<Metrics, 'modelTimeToFirstToken' | 'modelTokens' | 'chatStreamsInFlight'>;
  /** Retries the SDK makes before the first byte; 0 by default, so a failing provider answers at once. */
  readonly maxRetries?: number;
  /**
   * The longest a provider may stay silent (MODEL_STALL_TIMEOUT_MS): waiting for its response, then
   * between two parts of its stream. A hung provider is cut off after this, not after the whole
   * reply's `timeoutMs`.
   */
  readonly stallTimeoutMs: number;
  /**
   * Where this path's provider warnings go (model-warnings.ts). The tool loop's streamText reports its own
   * through the SDK's AI_SDK_LOG_WARNINGS global, which the app points at the same log.
   */
  readonly onWarnings?: ModelWarningLog;
}

/**
 * Streams one model reply, handing each delta to `onEvent` the moment it arrives (no coalescing),
 * and resolves with what was said, the usage and the timings. Never rejects: failures are described.
 */
export async function streamModelReply(
  deps: ModelStreamDeps,
  request: ModelStreamRequest,
  onEvent: (event: ModelStreamEvent) => void,
): Promise<ModelStreamResult> {
  const labels = request.metricLabels;
  const clock = startReplyClock(deps, labels);
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), request.timeoutMs);
  let hasStalled = false;
  // Re-armed with refresh() on every part: no new timer per token.
  const stallTimer = setTimeout(() => {
    hasStalled = true;
    timeout.abort();
  }, deps.stallTimeoutMs);
  const abortSignal = request.abortSignal ? AbortSignal.any([timeout.signal, request.abortSignal]) : timeout.signal;
  let text = '';
  let reasoning = '';
  let finishReason: FinishReason | null = null;
  let usage: LanguageModelV3Usage | undefined;
  let failure: unknown;
  let isAborted = false;
  let hasOutput = false;
  const { markFirstToken } = clock;

  deps.metrics.chatStreamsInFlight.inc();
  try {
    const stream = await openModelStream(
      request.model,
      {
        ...request.sampling,
        prompt: toModelPrompt(request.system, request.messages),
        temperature: request.temperature,
        maxOutputTokens: request.maxOutputTokens,
        ...(request.tools && { tools: [...request.tools] }),
        abortSignal,
      },
      deps.maxRetries ?? 0,
    );
    stallTimer.refresh();
    // The provider's own parts, read as they come: each delta goes out the moment it arrives.
    for await (const part of stream) {
      stallTimer.refresh();
      switch (part.type) {
        case 'text-delta':
          if (part.delta === '') break;
          markFirstToken();
          hasOutput = true;
          text += part.delta;
          onEvent({ type: 'text-delta', delta: part.delta });
          break;
        case 'reasoning-delta':
          if (part.delta === '') break;
          markFirstToken();
          hasOutput = true;
          reasoning += part.delta;
          onEvent({ type: 'reasoning-delta', delta: part.delta });
          break;
        case 'tool-call':
          hasOutput = true;
          onEvent({
            type: 'tool-call',
            toolCallId: part.toolCallId,
            toolName: part.toolName,
            input: parseJson(part.input),
          });
          break;
        case 'stream-start':
          deps.onWarnings?.({
            warnings: part.warnings,
            provider: request.model.provider,
            model: request.model.modelId,
          });
          break;
        case 'finish':
          finishReason = finishReasonOf(part.finishReason);
          usage = part.usage;
          break;
        case 'error':
          failure ??= part.error;
          break;
        default:
          break;
      }
    }
    // A stream that ended before the provider said why is cut off (describeFailure), not complete: the
    // text so far is kept, marked as an error. With nothing said at all, it is the SDK's no-output error.
    if (finishReason === null && failure === undefined && !hasOutput) {
      failure = new NoOutputGeneratedError({ message: 'The model stream ended without a finish part' });
    }
  } catch (error) {
    // A cancelled or timed-out call rejects with the signal's reason; that is not the provider failing.
    if (abortSignal.aborted) isAborted = true;
    else failure ??= error;
  } finally {
    clearTimeout(timer);
    clearTimeout(stallTimer);
    deps.metrics.chatStreamsInFlight.dec();
  }

  const tokens = toTokenUsage(usage);
  recordTokens(deps, labels, tokens);
  const error = describeFailure({
    failure,
    isAborted,
    hasTimedOut: timeout.signal.aborted,
    hasStalled,
    finishReason,
    request,
    stallTimeoutMs: deps.stallTimeoutMs,
  });
  const providerSaid = error && failure !== undefined ? providerDiagnosis(failure) : undefined;
  return {
    text,
    reasoning,
    usage: tokens,
    finishReason: error ? 'error' : finishReason,
    timeToFirstTokenMs: clock.timeToFirstTokenMs(),
    durationMs: clock.elapsedMs(),
    ...(error && { error }),
    ...(providerSaid && { providerSaid }),
  };
}

/**
 * The provider's reason for ending, or null when it gave none. The SDK's adapters end a stream that simply
 * stopped (no `finish_reason`, no `[DONE]`, no `message_stop`) with a finish part of their own, 'other'
 * with no raw reason: that reply was cut off, and was stored as complete until 2026-11-25.
 */
export function finishReasonOf(reason: Pick<LanguageModelV3FinishReason, 'unified' | 'raw'>): FinishReason | null {
  return reason.raw === undefined && reason.unified === 'other' ? null : reason.unified;
}

/**
 * What both ways of streaming a reply (this one and the tool loop) measure: its duration, its time to
 * first token, also observed as a metric the moment it happens.
 */
export function startReplyClock(deps: ModelStreamDeps, labels: ModelMetricLabels) {
  const startedAt = performance.now();
  const elapsedMs = () => Math.round(performance.now() - startedAt);
  let timeToFirstTokenMs: number | null = null;
  return {
    elapsedMs,
    timeToFirstTokenMs: () => timeToFirstTokenMs,
    markFirstToken: () => {
      if (timeToFirstTokenMs !== null) return;
      timeToFirstTokenMs = elapsedMs();
      deps.metrics.modelTimeToFirstToken.observe(labels, timeToFirstTokenMs / 1000);
    },
  };
}

/** A reply cut short because its node stopped (at shutdown, or found by a later maintenance sweep). */
export const interruptedReply = {
  // The node's doing, not the provider's: 503, as for a node that is stopping, so nobody checks the provider.
  code: 'not_ready',
  message: 'The reply was interrupted because the server stopped before it finished; send the message again',
} as const satisfies ModelErrorDescription;

/** The caller cancelled the call (a stateless caller gone, a reply stopped, the node stopping). */
export const modelCallCancelled = {
  code: 'model_error',
  message: 'The model call was cancelled before the reply was finished',
} as const satisfies ModelErrorDescription;

/** The provider's stream ended before it said the reply was finished: what arrived is kept. */
export function replyCutOff(providerName: string): ModelErrorDescription {
  return {
    code: 'model_error',
    message: `The model provider '${providerName}' broke off its reply before finishing it — try again`,
  };
}

export function modelTimeoutError(timeoutMs: number): ModelErrorDescription {
  return {
    code: 'model_timeout',
    message: `The model did not finish its reply within ${formatSeconds(timeoutMs)} seconds, so it was stopped`,
  };
}

export function modelStalledError(stallTimeoutMs: number): ModelErrorDescription {
  return {
    code: 'model_timeout',
    message: `The model sent nothing for ${formatSeconds(stallTimeoutMs)} seconds, so the reply was stopped`,
  };
}

const formatSeconds = (ms: number): number => Math.round(ms / 100) / 10;

function describeFailure(outcome: {
  failure: unknown;
  isAborted: boolean;
  hasTimedOut: boolean;
  hasStalled: boolean;
  finishReason: FinishReason | null;
  request: ModelStreamRequest;
  stallTimeoutMs: number;
}): ModelErrorDescription | undefined {
  const { failure, isAborted, hasTimedOut, hasStalled, finishReason, request } = outcome;
  if (hasStalled) return modelStalledError(outcome.stallTimeoutMs);
  if (hasTimedOut) return modelTimeoutError(request.timeoutMs);
  if (failure !== undefined) {
    return describeModelError(failure, {
      providerName: request.providerName,
      sentImages: sendsImages(request.messages),
    });
  }
  if (isAborted) return modelCallCancelled;
  if (finishReason === null || finishReason === 'error') return replyCutOff(request.providerName);
  return undefined;
}

function toTokenUsage(usage: LanguageModelV3Usage | undefined): TokenUsage {
  const totals = usage ? totalsOf(usage) : undefined;
  return {
    inputTokens: totals?.inputTokens ?? null,
    outputTokens: totals?.outputTokens ?? null,
    reasoningTokens: totals?.reasoningTokens ?? null,
    totalTokens: totals?.totalTokens ?? null,
  };
}

/** A tool call's input arrives as JSON text; unreadable input is passed on as it came. */
function parseJson(input: string): unknown {
  try {
    return JSON.parse(input) as unknown;
  } catch {
    return input;
  }
}

export function recordTokens(deps: ModelStreamDeps, labels: ModelMetricLabels, usage: TokenUsage): void {
  const counts = { input: usage.inputTokens, output: usage.outputTokens, reasoning: usage.reasoningTokens };
  for (const [kind, count] of Object.entries(counts)) {
    if (count) deps.metrics.modelTokens.inc({ ...labels, kind }, count);
  }
}
