import type { LanguageModelV3 } from '@ai-sdk/provider';
import {
  stepCountIs,
  streamText,
  type FinishReason,
  type LanguageModelUsage,
  type ModelMessage,
  type StopCondition,
  type ToolSet,
} from 'ai';
import { isImageFile } from '../../../ai/model-call.js';
import { describeModelError, type ModelErrorDescription } from '../../../ai/model-errors.js';
import { providerDiagnosis } from '../../../ai/provider-diagnosis.js';
import type { StoredToolCall } from '../../../platform/db/schema/index.js';
import {
  finishReasonOf,
  modelCallCancelled,
  modelStalledError,
  modelTimeoutError,
  recordTokens,
  replyCutOff,
  startReplyClock,
  type ModelStreamDeps,
  type ModelStreamResult,
  type TokenUsage,
} from '../turn/model-stream.js';
import { toAiTools, type TurnTools } from './turn-tools.js';
import type { ModelMetricLabels } from '../turn/model-resolver.js';
import { cutToLength } from '../../../platform/text-cut.js';

/**
 * Enough steps for a few tool calls and the answer; the SDK stops the loop there. The last step is
 * offered no tool call (`toolChoice: 'none'`), so a model that kept calling tools still answers with
 * what they gave it instead of ending on a call.
 */
export const maxToolSteps = 8;

export interface ToolLoopRequest {
  readonly model: LanguageModelV3;
  readonly providerName: string;
  readonly metricLabels: ModelMetricLabels;
  readonly system: string | undefined;
  readonly messages: ModelMessage[];
  readonly tools: TurnTools;
  readonly temperature: number | undefined;
  readonly maxOutputTokens: number | undefined;
  readonly timeoutMs: number;
  /** Stops the loop early (the node stopping); the reply's own bound is `timeoutMs`. */
  readonly abortSignal?: AbortSignal;
}

export type ToolLoopEvent =
  | { readonly type: 'text-delta'; readonly delta: string }
  | { readonly type: 'reasoning-delta'; readonly delta: string }
  | { readonly type: 'tool-call'; readonly toolCallId: string; readonly toolName: string; readonly input: unknown }
  | { readonly type: 'tool-result'; readonly toolCallId: string; readonly output: unknown }
  | { readonly type: 'tool-error'; readonly toolCallId: string; readonly errorText: string }
  | { readonly type: 'tool-approval-request'; readonly toolCallId: string; readonly approvalId: string };

export interface ToolLoopResult extends ModelStreamResult {
  /** Every call of every step, in order, with its outcome (or `awaiting_approval`). */
  readonly toolCalls: StoredToolCall[];
  /** The loop stopped at calls the user must approve; the reply continues after the decision. */
  readonly isAwaitingApproval: boolean;
  /** The reply ended with a built-in tool's closing line (`handoff_to_human`): that tool closed the AI's part. */
  readonly isClosedByTool?: boolean;
}

/**
 * Runs the AI SDK's tool loop (`streamText` + `stopWhen`) and hands on each part as it comes. Never
 * rejects: a model failure is described in `error`, a tool failure is a tool result the model reads.
 */
export async function streamToolLoop(
  deps: ModelStreamDeps,
  request: ToolLoopRequest,
  onEvent: (event: ToolLoopEvent) => void,
): Promise<ToolLoopResult> {
  const labels = request.metricLabels;
  const clock = startReplyClock(deps, labels);
  const { markFirstToken } = clock;
  const timeout = AbortSignal.timeout(request.timeoutMs);
  const calls = new Map<string, StoredToolCall>();
  let text = '';
  let reasoning = '';
  let finishReason: FinishReason | null = null;
  let usage: LanguageModelUsage | undefined;
  let failure: unknown;
  let hasStalled = false;
  let isCancelled = false;
  /** Set once a tool that ends the reply answered: the line the reply ends with. */
  let closingLine: string | undefined;

  const settle = (toolCallId: string, change: Partial<StoredToolCall>) => {
    const call = calls.get(toolCallId);
    if (call) calls.set(toolCallId, { ...call, ...change });
  };

  deps.metrics.chatStreamsInFlight.inc();
  try {
    const result = streamText({
      model: request.model,
      system: request.system,
      messages: request.messages,
      tools: toAiTools(request.tools),
      // A tool that ends the reply (a handoff to a person) is the last thing the model does.
      stopWhen: [stepCountIs(maxToolSteps), calledClosingTool(request.tools)],
      prepareStep: ({ stepNumber }) => (stepNumber === maxToolSteps - 1 ? { toolChoice: 'none' } : undefined),
      temperature: request.temperature,
      maxOutputTokens: request.maxOutputTokens,
      maxRetries: deps.maxRetries ?? 0,
      abortSignal: request.abortSignal ? AbortSignal.any([timeout, request.abortSignal]) : timeout,
      // The SDK's own bound between two parts of a step's stream; it ends the stream with an abort part.
      timeout: { chunkMs: deps.stallTimeoutMs },
    });
    for await (const part of result.fullStream) {
      switch (part.type) {
        case 'text-delta':
          if (part.text === '') break;
          markFirstToken();
          text += part.text;
          onEvent({ type: 'text-delta', delta: part.text });
          break;
        case 'reasoning-delta':
          if (part.text === '') break;
          markFirstToken();
          reasoning += part.text;
          onEvent({ type: 'reasoning-delta', delta: part.text });
          break;
        case 'tool-call': {
          markFirstToken();
          const { toolCallId, toolName } = part;
          const input: unknown = part.input;
          const called = request.tools.get(toolName);
          const needsApproval = called?.needsApproval === true;
          calls.set(toolCallId, {
            toolCallId,
            toolName,
            ...(called && { toolKey: called.key }),
            input,
            state: needsApproval ? 'awaiting_approval' : 'running',
          });
          onEvent({ type: 'tool-call', toolCallId, toolName, input });
          if (needsApproval) onEvent({ type: 'tool-approval-request', toolCallId, approvalId: toolCallId });
          break;
        }
        case 'tool-result': {
          settle(part.toolCallId, { state: 'complete', output: part.output });
          onEvent({ type: 'tool-result', toolCallId: part.toolCallId, output: part.output });
          closingLine ??= request.tools.get(part.toolName)?.closingLine;
          break;
        }
        case 'tool-error': {
          const errorText = errorTextOf(part.error);
          settle(part.toolCallId, { state: 'error', errorMessage: errorText });
          onEvent({ type: 'tool-error', toolCallId: part.toolCallId, errorText });
          break;
        }
        case 'finish':
          finishReason = finishReasonOf({ unified: part.finishReason, raw: part.rawFinishReason });
          usage = part.totalUsage;
          break;
        case 'error':
          failure ??= part.error;
          break;
        case 'abort':
          // The caller's signal (a stopped reply, the node stopping), the whole reply's bound (checked
          // below), or else the SDK's chunk bound: the provider went silent.
          if (request.abortSignal?.aborted) isCancelled = true;
          else if (!timeout.aborted) hasStalled = true;
          break;
        default:
          break;
      }
    }
  } catch (error) {
    failure ??= error;
  } finally {
    deps.metrics.chatStreamsInFlight.dec();
  }

  const tokens = toTokenUsage(usage);
  recordTokens(deps, labels, tokens);
  const describeEnd = (): ModelErrorDescription | undefined => {
    if (timeout.aborted) return modelTimeoutError(request.timeoutMs);
    if (hasStalled) return modelStalledError(deps.stallTimeoutMs);
    if (isCancelled) return modelCallCancelled;
    if (failure !== undefined) {
      return describeModelError(failure, {
        providerName: request.providerName,
        sentImages: sendsImageParts(request.messages),
      });
    }
    return finishReason === null ? replyCutOff(request.providerName) : undefined;
  };
  const error = describeEnd();
  if (closingLine && !error) {
    const line = text ? `\n\n${closingLine}` : closingLine;
    text += line;
    onEvent({ type: 'text-delta', delta: line });
  }
  const providerSaid = error && failure !== undefined ? providerDiagnosis(failure) : undefined;
  // A call the loop's end cut off (a stopped reply, a failed model) never answered: not left `running`.
  const toolCalls = [...calls.values()].map((call) =>
    call.state === 'running'
      ? {
          ...call,
          state: 'error' as const,
          errorMessage: isCancelled
            ? 'The reply was stopped before the tool answered'
            : 'The reply ended before the tool answered',
        }
      : call,
  );
  return {
    text,
    reasoning,
    usage: tokens,
    finishReason: error ? 'error' : finishReason,
    timeToFirstTokenMs: clock.timeToFirstTokenMs(),
    durationMs: clock.elapsedMs(),
    toolCalls,
    isAwaitingApproval: !error && toolCalls.some((call) => call.state === 'awaiting_approval'),
    ...(closingLine && !error && { isClosedByTool: true }),
    ...(error && { error }),
    ...(providerSaid && { providerSaid }),
  };
}

/** Stops the loop after a step in which a tool that ends the reply was called. */
function calledClosingTool(tools: TurnTools): StopCondition<ToolSet> {
  const closing = new Set([...tools.values()].filter((entry) => entry.closingLine).map((entry) => entry.modelName));
  return ({ steps }) => steps.at(-1)?.toolCalls.some((call) => closing.has(call.toolName)) ?? false;
}

function errorTextOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return cutToLength(message, 4000) || 'The tool failed without a message';
}

function toTokenUsage(usage: LanguageModelUsage | undefined): TokenUsage {
  return {
    inputTokens: usage?.inputTokens ?? null,
    outputTokens: usage?.outputTokens ?? null,
    reasoningTokens: usage?.outputTokenDetails?.reasoningTokens ?? usage?.reasoningTokens ?? null,
    totalTokens: usage?.totalTokens ?? null,
  };
}

/** Two parts of one reply (before and after an approval) as one: usage summed, a side's missing count ignored. */
export function sumUsage(first: TokenUsage, second: TokenUsage): TokenUsage {
  const add = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : a + b);
  return {
    inputTokens: add(first.inputTokens, second.inputTokens),
    outputTokens: add(first.outputTokens, second.outputTokens),
    reasoningTokens: add(first.reasoningTokens, second.reasoningTokens),
    totalTokens: add(first.totalTokens, second.totalTokens),
  };
}

/** Whether the loop's messages send an image (so a provider's 400 can be explained). */
function sendsImageParts(messages: readonly ModelMessage[]): boolean {
  return messages.some((message) => Array.isArray(message.content) && message.content.some(isImageFile));
}
