import { metrics } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { Logger } from '../logger.js';
import { isContentCaptured } from './tracing-config.js';
import { markTracingOn } from './spans.js';

/** What stopping the server flushes: the spans and metrics not yet sent. */
export interface TracingExport {
  shutdown(): Promise<void>;
}

const defaultMetricIntervalMs = 60_000;

/**
 * The OpenTelemetry SDK, loaded (this module is imported) only when tracing-config.ts says the OTEL_*
 * variables ask for it. The exporters read their endpoint, headers, certificates and timeouts from
 * those variables themselves; the sampler is OTEL_TRACES_SAMPLER's (parent-based, always on by
 * default); the service is OTEL_SERVICE_NAME or `parley`, with OTEL_RESOURCE_ATTRIBUTES. Spans go out
 * in batches, over OTLP/HTTP with the JSON encoding; the GenAI client metrics every
 * OTEL_METRIC_EXPORT_INTERVAL (60 s), unless OTEL_METRICS_EXPORTER is `none`.
 */
export function startTracing(logger: Pick<Logger, 'info'>, env: NodeJS.ProcessEnv = process.env): TracingExport {
  const resource = resourceFromAttributes({ 'service.name': 'parley' }).merge(
    detectResources({ detectors: [envDetector] }),
  );
  const traces = new NodeTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  traces.register();
  const metricsOn = env.OTEL_METRICS_EXPORTER?.trim().toLowerCase() !== 'none';
  const meters = metricsOn
    ? new MeterProvider({
        resource,
        readers: [
          new PeriodicExportingMetricReader({
            exporter: new OTLPMetricExporter(),
            exportIntervalMillis: Number(env.OTEL_METRIC_EXPORT_INTERVAL) || defaultMetricIntervalMs,
          }),
        ],
      })
    : undefined;
  if (meters) metrics.setGlobalMeterProvider(meters);
  markTracingOn({ captureContent: isContentCaptured(env) });
  logger.info(
    { captureContent: isContentCaptured(env), metrics: metricsOn },
    'OpenTelemetry is on: traces (and GenAI metrics) go over OTLP as the OTEL_* variables say',
  );
  return {
    async shutdown() {
      await Promise.allSettled([traces.shutdown(), meters?.shutdown()]);
    },
  };
}
