import { randomBytes } from 'node:crypto';
import { openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedDataDir } from '../cli/data-dir-template.js';
import { spawnServe, waitForReady } from '../cli/server-process.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../fakes/otlp-receiver.js';
import { eventually } from '../harness/chat-setup.js';
import { createScaledOutNodes, type ScaledOutNodes } from '../harness/scaled-out-nodes.js';
import { testStorage } from '../harness/test-database.js';
import { startHttpMcpServer, type TestHttpMcpServer } from '../mcp/fixtures/http-server.js';
import { startWebhookReceiver, type WebhookReceiver } from '../webhooks/webhook-receiver.js';

const serverKind = 2;
const clientKind = 3;
const consumerKind = 5;

interface TracedServer {
  readonly baseUrl: string;
  readonly logFile: string;
  readonly headers: Record<string, string>;
  stop(): void;
}

/**
 * Issue 68: a real `parley serve` with the standard OTEL_* variables sends a turn's spans to an OTLP/HTTP
 * receiver (JSON, as the exporter sends it), on the storage the suite runs on. The turn searches a
 * knowledge source and calls a tool on a real MCP server over HTTP; the client sends a `traceparent`.
 */
describe('OpenTelemetry traces of a chat turn', { timeout: 180_000 }, () => {
  let receiver: OtlpReceiver;
  let openai: FakeOpenAIServer;
  let mcp: TestHttpMcpServer;
  let webhooks: WebhookReceiver;
  const clusters: ScaledOutNodes[] = [];
  const servers: TracedServer[] = [];

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    openai = await startFakeOpenAIServer({});
    mcp = await startHttpMcpServer();
    webhooks = await startWebhookReceiver();
  });
  afterAll(async () => {
    for (const server of servers) server.stop();
    for (const cluster of clusters) await cluster.stop();
    await Promise.all([receiver?.close(), openai?.close(), mcp?.close(), webhooks?.close()]);
  });

  /** A server on the suite's storage, traced to the receiver, with an account signed in. */
  async function startTracedServer(extra: Record<string, string> = {}): Promise<TracedServer> {
    const env = {
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: openai.baseUrl,
      OUTBOUND_ALLOW: '127.0.0.1',
      LOG_LEVEL: 'info',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_HEADERS: 'x-collector-key=tracing-test',
      OTEL_SERVICE_NAME: 'parley-under-test',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_METRIC_EXPORT_INTERVAL: '300',
      ...extra,
    };
    let baseUrl: string;
    let logFile: string;
    let stop: () => void;
    if (testStorage === 'postgres') {
      const cluster = await createScaledOutNodes('otel', env);
      clusters.push(cluster);
      const node = await cluster.start();
      baseUrl = node.baseUrl;
      logFile = path.join(node.dataDir, 'server.log');
      stop = () => node.child.kill('SIGKILL');
    } else {
      const dataDir = migratedDataDir('parley-otel-');
      logFile = path.join(path.dirname(dataDir), 'server.log');
      const log = openSync(logFile, 'a');
      const started = await spawnServe({ dataDir, env, stdio: ['ignore', log, log] });
      await waitForReady(started.baseUrl, started.child);
      baseUrl = started.baseUrl;
      stop = () => started.child.kill('SIGKILL');
    }
    const session = await call<{ accessToken: string }>(baseUrl, {}, 'POST', '/v1/auth/register', {
      email: `otel-${randomBytes(3).toString('hex')}@example.test`,
      password: 'a long password',
    });
    const server = { baseUrl, logFile, headers: { authorization: `Bearer ${session.accessToken}` }, stop };
    servers.push(server);
    return server;
  }

  async function call<T>(base: string, headers: Record<string, string>, method: string, url: string, body?: object) {
    const response = await fetch(`${base}${url}`, {
      method,
      headers: { ...headers, ...(body && { 'content-type': 'application/json' }) },
      ...(body && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${url} answered ${response.status}: ${text}`);
    return (text ? JSON.parse(text) : {}) as T;
  }

  /** A source with one indexed document, the MCP server's echo tool enabled, and an agent using both. */
  async function agentWithKnowledgeAndTool(server: TracedServer) {
    const as = <T>(method: string, url: string, body?: object) =>
      call<T>(server.baseUrl, server.headers, method, url, body);
    const source = await as<{ id: string }>('POST', '/v1/knowledge-sources', { name: 'Handbook' });
    const form = new FormData();
    form.append(
      'file',
      new Blob(['# Holidays\n\nEvery employee has 25 days of paid holiday a year.\n']),
      'holidays.md',
    );
    const upload = await fetch(`${server.baseUrl}/v1/knowledge-sources/${source.id}/documents`, {
      method: 'POST',
      headers: server.headers,
      body: form,
    });
    expect(upload.status).toBe(202);
    const uploadTrace = traceIdOf(upload.headers.get('traceparent'));
    await eventually(
      async () => {
        const { items } = await as<{ items: { status: string }[] }>(
          'GET',
          `/v1/knowledge-sources/${source.id}/documents`,
        );
        return items[0]?.status === 'ready' ? true : undefined;
      },
      30_000,
      100,
    );
    const mcpServer = await as<{ id: string }>('POST', '/v1/mcp/servers', {
      name: 'Echo',
      transport: 'streamable-http',
      url: mcp.url,
    });
    const { items: tools } = await as<{ items: { id: string; name: string }[] }>(
      'POST',
      `/v1/mcp/servers/${mcpServer.id}/sync`,
    );
    const echo = tools.find((each) => each.name === 'echo')!;
    await as('PATCH', `/v1/mcp/tools/${echo.id}`, { enabled: true });
    const agent = await as<{ id: string }>('POST', '/v1/agents', {
      name: 'Traced',
      model: 'openai:gpt-4o-mini',
      knowledgeSourceIds: [source.id],
      toolKeys: [`mcp:${echo.id}`],
    });
    const webhook = await as<{ secret: string }>('POST', '/v1/webhooks', {
      url: webhooks.url,
      eventTypes: ['message.created'],
    });
    webhooks.secret = webhook.secret;
    const conversation = await as<{ id: string }>('POST', '/v1/conversations', { agentId: agent.id });
    return { conversationId: conversation.id, uploadTrace };
  }

  const traceIdOf = (traceparent: string | null) => traceparent?.split('-')[1];

  /** Sends a message under the client's own trace; answers that trace's id and the answer's traceparent. */
  async function tracedTurn(server: TracedServer, conversationId: string, content: string, isStreamed: boolean) {
    openai.respondWith({
      script: [
        {
          toolCalls: [{ id: 'call_echo', name: 'echo', arguments: JSON.stringify({ message: 'ping from the turn' }) }],
        },
        { replyTokens: ['You have ', '25 days.'] },
      ],
    });
    const clientTrace = randomBytes(16).toString('hex');
    const clientSpan = randomBytes(8).toString('hex');
    const response = await fetch(`${server.baseUrl}/v1/conversations/${conversationId}/messages`, {
      method: 'POST',
      headers: {
        ...server.headers,
        'content-type': 'application/json',
        // A stream is written by Parley itself (the reply hijacked from Fastify): its span ends all the same.
        ...(isStreamed && { accept: 'text/event-stream' }),
        traceparent: `00-${clientTrace}-${clientSpan}-01`,
      },
      body: JSON.stringify({ content }),
    });
    expect(response.status, await response.clone().text()).toBe(isStreamed ? 200 : 201);
    await response.text();
    const inTrace = () => receiver.spans.filter((span) => span.traceId === clientTrace);
    // The turn may run on after the answer: its last spans are the reply's store and the request's own.
    const isWhole = (spans: ReceivedSpan[]) =>
      spans.some((span) => span.name === 'chat.store reply') && spans.some((span) => span.kind === serverKind);
    const spans = await eventually(async () => (isWhole(inTrace()) ? inTrace() : undefined), 20_000, 100);
    return { clientTrace, clientSpan, answered: response.headers.get('traceparent'), spans };
  }

  const named = (spans: readonly ReceivedSpan[], name: string) => {
    const found = spans.filter((span) => span.name === name);
    expect(found.length, `${name} among ${spans.map((span) => span.name).join(', ')}`).toBeGreaterThan(0);
    return found;
  };

  it('sends the spans of a turn with the GenAI conventions, content left out by default', async () => {
    const server = await startTracedServer();
    const { conversationId, uploadTrace } = await agentWithKnowledgeAndTool(server);
    const { clientTrace, clientSpan, answered, spans } = await tracedTurn(
      server,
      conversationId,
      'How many holiday days?',
      true,
    );

    // The request: a server span under the client's, its traceparent in the answer.
    const [request] = named(spans, 'POST /v1/conversations/:id/messages');
    expect(request).toMatchObject({ kind: serverKind, parentSpanId: clientSpan, service: 'parley-under-test' });
    expect(request!.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.response.status_code': 200 });
    expect(answered).toMatch(new RegExp(`^00-${clientTrace}-${request!.spanId}-0[01]$`));

    named(spans, 'chat.store turn');
    named(spans, 'parley.gate');
    const [retrieval] = named(spans, 'retrieval knowledge');
    expect(retrieval!.attributes).toMatchObject({ 'gen_ai.operation.name': 'retrieval', 'parley.retrieval.hits': 1 });
    expect(retrieval!.attributes['gen_ai.retrieval.query.text']).toBeUndefined();
    for (const part of ['bm25', 'vectors']) expect(named(spans, part)[0]!.parentSpanId).toBe(retrieval!.spanId);

    // The model's two streamed calls: the tool call, then the answer (the title is a third, not streamed).
    const calls = named(spans, 'chat gpt-4o-mini')
      .filter((span) => span.attributes['gen_ai.request.stream'] === true)
      .sort((a, b) => Number(a.startNs - b.startNs));
    expect(calls).toHaveLength(2);
    for (const modelCall of calls) {
      expect(modelCall.kind).toBe(clientKind);
      expect(modelCall.attributes).toMatchObject({
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4o-mini',
        'gen_ai.request.stream': true,
      });
      expect(modelCall.attributes['gen_ai.response.model']).toEqual(expect.any(String));
      expect(modelCall.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
      expect(modelCall.attributes['gen_ai.usage.output_tokens']).toEqual(expect.any(Number));
      expect(modelCall.attributes['gen_ai.response.time_to_first_chunk']).toBeGreaterThan(0);
      expect(modelCall.attributes['gen_ai.input.messages']).toBeUndefined();
      expect(modelCall.attributes['gen_ai.output.messages']).toBeUndefined();
    }
    expect(calls.map((each) => each.attributes['gen_ai.response.finish_reasons'])).toEqual([['tool-calls'], ['stop']]);

    // The tool: its execution, the MCP call under it, and the trace carried to the MCP server.
    const [tool] = named(spans, 'execute_tool echo');
    expect(tool!.attributes).toMatchObject({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'echo',
      'gen_ai.tool.call.id': 'call_echo',
    });
    expect(tool!.attributes['gen_ai.tool.call.arguments']).toBeUndefined();
    const [mcpCall] = named(spans, 'tools/call echo');
    expect(mcpCall).toMatchObject({ kind: clientKind, parentSpanId: tool!.spanId });
    expect(mcp.receivedHeaders.map((headers) => traceIdOf(String(headers.traceparent ?? '')))).toContain(clientTrace);
    named(spans, 'chat.store reply');

    // The upload's indexing job: a trace of its own, linked to the upload's request.
    const ingestion = receiver.spans.find((span) => span.name === 'process knowledge.ingest');
    expect(ingestion?.kind).toBe(consumerKind);
    expect(ingestion?.links.map((link) => link.traceId)).toContain(uploadTrace);

    // The webhook of the turn's messages: its delivery job's trace, linked to the turn's, reaches the receiver.
    const delivered = await eventually(
      async () => webhooks.received.find((delivery) => delivery.headers.traceparent !== undefined),
      20_000,
      100,
    );
    const deliveryTrace = traceIdOf(String(delivered.headers.traceparent));
    const delivery = await eventually(
      async () =>
        receiver.spans.find((span) => span.traceId === deliveryTrace && span.name === 'process webhooks.deliver'),
      10_000,
      100,
    );
    // Linked to the turn when the pass that read the turn's events ran on its nudge; a pass the log
    // reader's poll started first (a loaded machine) reads them outside any trace, and links none. Never
    // to a trace that is not the turn's (docs/operations.md, "Tracing").
    expect(delivery.links.filter((link) => link.traceId !== clientTrace)).toEqual([]);

    // Every line logged inside the turn names its trace; the exporter sent OTEL_EXPORTER_OTLP_HEADERS.
    const logged = readFileSync(server.logFile, 'utf8');
    expect(logged).toContain(`"trace_id":"${clientTrace}"`);
    expect(receiver.headers.some((headers) => headers['x-collector-key'] === 'tracing-test')).toBe(true);
    // The GenAI client metrics, over OTLP.
    await eventually(
      async () =>
        [
          'gen_ai.client.operation.duration',
          'gen_ai.client.token.usage',
          'gen_ai.client.operation.time_to_first_chunk',
        ].every((name) => receiver.metricNames.has(name))
          ? true
          : undefined,
      10_000,
      100,
    );
  });

  it('puts the messages, tool arguments and query on the spans when content capture is asked for', async () => {
    const server = await startTracedServer({ OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true' });
    const { conversationId } = await agentWithKnowledgeAndTool(server);
    const { spans } = await tracedTurn(server, conversationId, 'Paid holiday per year?', false);
    const [first] = named(spans, 'chat gpt-4o-mini').sort((a, b) => Number(a.startNs - b.startNs));
    expect(String(first!.attributes['gen_ai.input.messages'])).toContain('Paid holiday per year?');
    const answer = named(spans, 'chat gpt-4o-mini').find((each) =>
      String(each.attributes['gen_ai.output.messages']).includes('25 days.'),
    );
    expect(answer).toBeDefined();
    expect(named(spans, 'execute_tool echo')[0]!.attributes['gen_ai.tool.call.arguments']).toContain(
      'ping from the turn',
    );
    expect(named(spans, 'retrieval knowledge')[0]!.attributes['gen_ai.retrieval.query.text']).toBe(
      'Paid holiday per year?',
    );
  });
});
