import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** One registry per app instance, so tests can build several apps in one process. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpRequestDuration: new Histogram({
      name: 'parley_http_request_duration_seconds',
      help: 'HTTP request duration by method, route and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    modelTimeToFirstToken: new Histogram({
      name: 'parley_model_time_to_first_token_seconds',
      help: 'Time from the model call to its first streamed token, by provider and model',
      labelNames: ['provider', 'model'] as const,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
      registers: [registry],
    }),
    modelTokens: new Counter({
      name: 'parley_model_tokens_total',
      help: 'Tokens used, by provider, model and kind (input, output, reasoning)',
      labelNames: ['provider', 'model', 'kind'] as const,
      registers: [registry],
    }),
    chatStreamsInFlight: new Gauge({
      name: 'parley_chat_streams_in_flight',
      help: 'Chat turns currently streaming from a model',
      registers: [registry],
    }),
    chatTurns: new Counter({
      name: 'parley_chat_turns_total',
      help: 'Chat turns by outcome (complete, stopped by their owner, error)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    knowledgeReranks: new Counter({
      name: 'parley_knowledge_reranks_total',
      help: 'Hybrid searches a reranking model was to reorder, by outcome (applied, failed, paused after a failure)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
