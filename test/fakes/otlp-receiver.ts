import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An OTLP attribute value as the JSON encoding carries it. */
interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpValue[] };
}

/** One received span, its attributes made plain values. */
export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  readonly kind: number;
  readonly attributes: Record<string, unknown>;
  readonly links: readonly { traceId: string; spanId: string }[];
  readonly service: unknown;
  readonly startNs: bigint;
  readonly endNs: bigint;
}

export interface OtlpReceiver {
  /** What OTEL_EXPORTER_OTLP_ENDPOINT takes: the exporter adds `/v1/traces` and `/v1/metrics`. */
  readonly endpoint: string;
  readonly spans: ReceivedSpan[];
  /** The names of the metrics received. */
  readonly metricNames: Set<string>;
  /** The headers of every export request (OTEL_EXPORTER_OTLP_HEADERS reaches them). */
  readonly headers: Record<string, string | string[] | undefined>[];
  close(): Promise<void>;
}

const plain = (value: OtlpValue | undefined): unknown => {
  if (!value) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(plain);
  return undefined;
};

const attributesOf = (list: { key: string; value: OtlpValue }[] | undefined) =>
  Object.fromEntries((list ?? []).map((each) => [each.key, plain(each.value)]));

/** The JSON encoding's ids are hex strings (the exporter's default); protobuf-JSON's base64 is read too. */
const hexId = (id: string | undefined) =>
  id && /^[0-9a-f]+$/i.test(id) ? id : Buffer.from(id ?? '', 'base64').toString('hex');

/**
 * An OTLP/HTTP receiver on 127.0.0.1 taking the JSON encoding, as the OpenTelemetry exporters send it:
 * `POST /v1/traces` (ExportTraceServiceRequest) and `POST /v1/metrics`, answered 200 with an empty
 * partial success. A collector, in the test.
 */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const metricNames = new Set<string>();
  const headers: OtlpReceiver['headers'] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      headers.push(request.headers);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown[]>;
      if (request.url === '/v1/traces') {
        for (const resourceSpans of (body.resourceSpans ?? []) as Record<string, unknown>[]) {
          const resource = attributesOf((resourceSpans.resource as { attributes?: [] } | undefined)?.attributes);
          for (const scope of (resourceSpans.scopeSpans ?? []) as { spans?: Record<string, unknown>[] }[]) {
            for (const span of scope.spans ?? []) {
              spans.push({
                traceId: hexId(span.traceId as string),
                spanId: hexId(span.spanId as string),
                parentSpanId: hexId(span.parentSpanId as string | undefined),
                name: span.name as string,
                kind: span.kind as number,
                attributes: attributesOf(span.attributes as []),
                links: ((span.links ?? []) as { traceId: string; spanId: string }[]).map((link) => ({
                  traceId: hexId(link.traceId),
                  spanId: hexId(link.spanId),
                })),
                service: resource['service.name'],
                startNs: BigInt(span.startTimeUnixNano as string),
                endNs: BigInt(span.endTimeUnixNano as string),
              });
            }
          }
        }
      }
      if (request.url === '/v1/metrics') {
        for (const resourceMetrics of (body.resourceMetrics ?? []) as {
          scopeMetrics?: { metrics?: { name: string }[] }[];
        }[]) {
          for (const scope of resourceMetrics.scopeMetrics ?? [])
            for (const metric of scope.metrics ?? []) metricNames.add(metric.name);
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans,
    metricNames,
    headers,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
