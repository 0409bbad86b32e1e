import { linksFrom, traceHeaders, type SpanOptions } from '../tracing/spans.js';

/**
 * Where a job's data carries the trace context of the span that queued it (W3C headers), when tracing
 * is on: stored with the job, and taken out again before any handler (whose payload schemas are strict)
 * sees the data, whether or not the node that runs it traces.
 */
const traceField = '_trace';

export function withTraceContext<T extends object>(data: T): T {
  const carrier = traceHeaders();
  return carrier.traceparent ? { ...data, [traceField]: carrier } : data;
}

export function withoutTraceContext(data: object): { data: object; carrier: Record<string, string> | undefined } {
  if (!(traceField in data)) return { data, carrier: undefined };
  const { [traceField]: carrier, ...rest } = data as Record<string, unknown>;
  return { data: rest, carrier: carrier as Record<string, string> };
}

/** The span a run of jobs is: a consumer's, in a trace of its own linked to where each job was queued. */
export function jobSpanOptions(
  queue: string,
  sent: readonly { carrier: Record<string, string> | undefined }[],
  retryCount: number,
): SpanOptions {
  return {
    kind: 'consumer',
    links: sent.flatMap((each) => linksFrom(each.carrier)),
    attributes: {
      'messaging.system': 'pg-boss',
      'messaging.operation.type': 'process',
      'messaging.destination.name': queue,
      'messaging.batch.message_count': sent.length,
      'parley.job.retry_count': retryCount,
    },
  };
}
