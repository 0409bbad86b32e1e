import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3FinishReason,
  LanguageModelV3StreamPart,
  LanguageModelV3Usage,
} from '@ai-sdk/provider';
import type { Attributes } from '@opentelemetry/api';
import { genAiProviderName, recordModelCallMetrics } from '../platform/tracing/genai-metrics.js';
import { beginSpan, isCapturingContent, isTracingOn, type SpanNotes } from '../platform/tracing/spans.js';
import { modelWithCalls } from './model-with-calls.js';

/** What a call's span says before it starts: the operation, the provider and the request. */
function requestAttributes(model: LanguageModelV3, options: LanguageModelV3CallOptions, isStream: boolean) {
  const attributes: Attributes = {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': genAiProviderName(model.provider),
    'gen_ai.request.model': model.modelId,
    'gen_ai.request.stream': isStream,
    ...(options.maxOutputTokens !== undefined && { 'gen_ai.request.max_tokens': options.maxOutputTokens }),
    ...(options.temperature !== undefined && { 'gen_ai.request.temperature': options.temperature }),
    ...(options.topP !== undefined && { 'gen_ai.request.top_p': options.topP }),
  };
  // Content only when OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT asks: prompts hold people's words.
  if (isCapturingContent()) {
    const system = options.prompt.filter((message) => message.role === 'system');
    attributes['gen_ai.input.messages'] = JSON.stringify(options.prompt.filter((message) => message.role !== 'system'));
    if (system.length > 0)
      attributes['gen_ai.system_instructions'] = JSON.stringify(system.map((each) => each.content));
  }
  return attributes;
}

function usageAttributes(usage: LanguageModelV3Usage, finishReason: LanguageModelV3FinishReason): Attributes {
  return {
    ...(usage.inputTokens.total !== undefined && { 'gen_ai.usage.input_tokens': usage.inputTokens.total }),
    ...(usage.outputTokens.total !== undefined && { 'gen_ai.usage.output_tokens': usage.outputTokens.total }),
    'gen_ai.response.finish_reasons': [finishReason.unified],
  };
}

/**
 * The same model, each call a GenAI client span (`chat <model>`) with the request, the response's model
 * and id, token usage, finish reasons and, for a stream, the time to its first chunk; and the GenAI
 * client metrics. Applied only while tracing is on (the model resolver asks): off, calls go straight.
 */
export function tracedModel(model: LanguageModelV3): LanguageModelV3 {
  if (!isTracingOn()) return model;
  const spanName = `chat ${model.modelId}`;
  return modelWithCalls(model, {
    async doGenerate(options) {
      const span = beginSpan(spanName, { kind: 'client', attributes: requestAttributes(model, options, false) });
      const startedAt = performance.now();
      try {
        const result = await span.within(() => model.doGenerate(options));
        span.set({
          ...usageAttributes(result.usage, result.finishReason),
          ...(result.response?.modelId && { 'gen_ai.response.model': result.response.modelId }),
          ...(result.response?.id && { 'gen_ai.response.id': result.response.id }),
          ...(isCapturingContent() && { 'gen_ai.output.messages': JSON.stringify(result.content) }),
        });
        recordModelCallMetrics(model, { startedAt, usage: result.usage });
        span.end();
        return result;
      } catch (error) {
        recordModelCallMetrics(model, { startedAt, error });
        span.end(error);
        throw error;
      }
    },
    async doStream(options) {
      const span = beginSpan(spanName, { kind: 'client', attributes: requestAttributes(model, options, true) });
      const startedAt = performance.now();
      try {
        const result = await span.within(() => model.doStream(options));
        return { ...result, stream: watchedStream(result.stream, model, span, startedAt) };
      } catch (error) {
        recordModelCallMetrics(model, { startedAt, error });
        span.end(error);
        throw error;
      }
    },
  });
}

/** Passes the stream on unchanged, noting on the span its first chunk, its metadata and its end. */
function watchedStream(
  source: ReadableStream<LanguageModelV3StreamPart>,
  model: LanguageModelV3,
  span: SpanNotes,
  startedAt: number,
): ReadableStream<LanguageModelV3StreamPart> {
  const reader = source.getReader();
  let firstChunkAt: number | undefined;
  let usage: LanguageModelV3Usage | undefined;
  const output: string[] = [];
  const end = (error?: unknown) => {
    if (isCapturingContent()) {
      span.set({ 'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', content: output.join('') }]) });
    }
    recordModelCallMetrics(model, { startedAt, firstChunkAt, usage, error });
    span.end(error);
  };
  const note = (part: LanguageModelV3StreamPart) => {
    const isChunk = part.type === 'text-delta' || part.type === 'reasoning-delta' || part.type === 'tool-call';
    if (isChunk && firstChunkAt === undefined) {
      firstChunkAt = performance.now();
      span.set({ 'gen_ai.response.time_to_first_chunk': (firstChunkAt - startedAt) / 1000 });
    }
    if (part.type === 'text-delta' && isCapturingContent()) output.push(part.delta);
    if (part.type === 'response-metadata') {
      span.set({
        ...(part.modelId && { 'gen_ai.response.model': part.modelId }),
        ...(part.id && { 'gen_ai.response.id': part.id }),
      });
    }
    if (part.type === 'finish') {
      usage = part.usage;
      span.set(usageAttributes(part.usage, part.finishReason));
    }
    if (part.type === 'error') end(part.error);
  };
  return new ReadableStream<LanguageModelV3StreamPart>({
    async pull(controller) {
      let next: ReadableStreamReadResult<LanguageModelV3StreamPart>;
      try {
        next = await reader.read();
      } catch (error) {
        end(error);
        controller.error(error);
        return;
      }
      if (next.done) {
        end();
        controller.close();
        return;
      }
      note(next.value);
      controller.enqueue(next.value);
    },
    async cancel(reason) {
      end(reason ?? new Error('the reader stopped the stream'));
      await reader.cancel(reason);
    },
  });
}
