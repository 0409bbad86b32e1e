/**
 * Whether this process exports traces and metrics: the standard OpenTelemetry variables decide
 * (docs/operations.md, "Tracing"). An OTLP endpoint turns it on; `OTEL_SDK_DISABLED=true` or
 * `OTEL_TRACES_EXPORTER=none` keeps it off. Read before anything of the SDK loads: off, nothing of it does.
 */
export function isTracingConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  if (env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() === 'none') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
}

/** Message content (prompts, replies, tool arguments, retrieval queries) goes on spans only when asked. */
export function isContentCaptured(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT?.trim().toLowerCase();
  return value === 'true' || value === '1' || value === 'span_only' || value === 'span_and_event';
}
