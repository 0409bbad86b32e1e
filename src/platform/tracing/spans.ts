import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
} from '@opentelemetry/api';

/**
 * Spans, through the OpenTelemetry API only (the SDK behind it is loaded by start-tracing.ts when the
 * OTEL_* variables ask for it). Off, every helper here calls straight through: no span object, no
 * context switch, one boolean read, so a node without tracing pays nothing for the calls in its code.
 */
let isOn = false;
let capturesContent = false;

/** Called once by start-tracing.ts, after the SDK is registered. */
export function markTracingOn(options: { captureContent: boolean }): void {
  isOn = true;
  capturesContent = options.captureContent;
}

export const isTracingOn = (): boolean => isOn;
/** OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: prompts and replies on spans only when asked. */
export const isCapturingContent = (): boolean => isOn && capturesContent;

const tracer = () => trace.getTracer('parley');

/** What a running span's code may add to it; a no-op while tracing is off. */
export interface SpanNotes {
  set(attributes: Attributes): void;
  /** Ends the span (for one that outlives the function that began it: a stream). */
  end(error?: unknown): void;
  /** Runs `fn` with this span as the current one (its child spans and outgoing headers follow it). */
  within<T>(fn: () => T): T;
}

const nothing: SpanNotes = { set: () => undefined, end: () => undefined, within: (fn) => fn() };

export interface SpanOptions {
  readonly attributes?: Attributes;
  readonly kind?: 'internal' | 'client' | 'server' | 'consumer' | 'producer';
  /** Starts a trace of its own (a job), linked to these. */
  readonly links?: readonly Link[];
  readonly parent?: Context;
}

const kinds = {
  internal: SpanKind.INTERNAL,
  client: SpanKind.CLIENT,
  server: SpanKind.SERVER,
  consumer: SpanKind.CONSUMER,
  producer: SpanKind.PRODUCER,
} as const;

function notesOf(span: Span, parent: Context): SpanNotes {
  const spanContext = trace.setSpan(parent, span);
  let isEnded = false;
  return {
    set: (attributes) => span.setAttributes(attributes),
    end(error) {
      if (isEnded) return;
      isEnded = true;
      if (error !== undefined) markFailed(span, error);
      span.end();
    },
    within: (fn) => context.with(spanContext, fn),
  };
}

function markFailed(span: Span, error: unknown): void {
  const failure = error instanceof Error ? error : new Error(String(error));
  span.recordException(failure);
  span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
  span.setAttribute('error.type', failure.name === 'Error' ? 'error' : failure.name);
}

/** Begins a span the caller ends (`notes.end`), as a child of the current one unless told otherwise. */
export function beginSpan(name: string, options: SpanOptions = {}): SpanNotes {
  if (!isOn) return nothing;
  const parent = options.links ? context.active() : (options.parent ?? context.active());
  const span = tracer().startSpan(
    name,
    {
      kind: kinds[options.kind ?? 'internal'],
      ...(options.attributes && { attributes: options.attributes }),
      ...(options.links && { links: [...options.links], root: true }),
    },
    parent,
  );
  return notesOf(span, parent);
}

/** Runs `fn` inside a span named `name`, ended when `fn` settles (marked failed if it throws). */
export async function inSpan<T>(name: string, options: SpanOptions, fn: (notes: SpanNotes) => Promise<T>): Promise<T> {
  if (!isOn) return fn(nothing);
  const notes = beginSpan(name, options);
  try {
    const result = await notes.within(() => fn(notes));
    notes.end();
    return result;
  } catch (error) {
    notes.end(error);
    throw error;
  }
}

/** The current trace context as W3C headers (`traceparent`, `tracestate`), for a request Parley sends. */
export function traceHeaders(): Record<string, string> {
  if (!isOn) return {};
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

/** The context a request's or a job's W3C headers carry (the active one where they carry none). */
export function contextFrom(carrier: Record<string, string | string[] | undefined>): Context {
  return propagation.extract(context.active(), carrier);
}

/** A link to the span the carrier names, for a job's trace: it began in that one, and runs apart. */
export function linksFrom(carrier: Record<string, string> | undefined): Link[] {
  if (!carrier) return [];
  const linked = trace.getSpanContext(propagation.extract(context.active(), carrier));
  return linked && trace.isSpanContextValid(linked) ? [{ context: linked }] : [];
}

/** The ids pino puts on each line written inside a span (its mixin, set only when tracing is on). */
export function traceFieldsForLog(): { trace_id?: string; span_id?: string } {
  const active = trace.getSpan(context.active())?.spanContext();
  return active && trace.isSpanContextValid(active) ? { trace_id: active.traceId, span_id: active.spanId } : {};
}
