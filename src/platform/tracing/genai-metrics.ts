import { metrics, type Histogram } from '@opentelemetry/api';
import type { LanguageModelV3, LanguageModelV3Usage } from '@ai-sdk/provider';

/**
 * The GenAI conventions' name for the provider a model's `provider` string (`openai.chat`,
 * `anthropic.messages`, `azure.responses`…) belongs to; an unknown one as its first word.
 */
export function genAiProviderName(provider: string): string {
  const first = provider.split('.')[0]!.toLowerCase();
  const known: Record<string, string> = { azure: 'azure.ai.openai', 'openai-compatible': 'openai' };
  return known[first] ?? first;
}

/**
 * The GenAI client metrics of the OpenTelemetry conventions, exported over OTLP beside the Prometheus
 * ones (start-tracing.ts registers the meter provider; without one these record nothing). Instruments
 * are made on first use, after the provider is registered.
 */
let instruments: { duration: Histogram; tokens: Histogram; firstChunk: Histogram } | undefined;

function instrumentsOnce() {
  if (instruments) return instruments;
  const meter = metrics.getMeter('parley');
  // The conventions' advised buckets: seconds for times, powers of four for tokens.
  const timeBuckets = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
  instruments = {
    duration: meter.createHistogram('gen_ai.client.operation.duration', {
      unit: 's',
      description: 'GenAI operation duration',
      advice: { explicitBucketBoundaries: timeBuckets },
    }),
    tokens: meter.createHistogram('gen_ai.client.token.usage', {
      unit: '{token}',
      description: 'Number of input and output tokens used',
      advice: { explicitBucketBoundaries: [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576] },
    }),
    firstChunk: meter.createHistogram('gen_ai.client.operation.time_to_first_chunk', {
      unit: 's',
      description: 'Time to receive the first chunk of a streamed response',
      advice: { explicitBucketBoundaries: timeBuckets },
    }),
  };
  return instruments;
}

export function recordModelCallMetrics(
  model: Pick<LanguageModelV3, 'provider' | 'modelId'>,
  call: { startedAt: number; firstChunkAt?: number; usage?: LanguageModelV3Usage; error?: unknown },
): void {
  const { duration, tokens, firstChunk } = instrumentsOnce();
  const attributes = {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': genAiProviderName(model.provider),
    'gen_ai.request.model': model.modelId,
    ...(call.error !== undefined && { 'error.type': call.error instanceof Error ? call.error.name : 'error' }),
  };
  const now = performance.now();
  duration.record((now - call.startedAt) / 1000, attributes);
  if (call.firstChunkAt !== undefined) firstChunk.record((call.firstChunkAt - call.startedAt) / 1000, attributes);
  const input = call.usage?.inputTokens.total;
  const output = call.usage?.outputTokens.total;
  if (input !== undefined) tokens.record(input, { ...attributes, 'gen_ai.token.type': 'input' });
  if (output !== undefined) tokens.record(output, { ...attributes, 'gen_ai.token.type': 'output' });
}
