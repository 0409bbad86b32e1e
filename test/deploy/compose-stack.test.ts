import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { uiMessageParts } from '../harness/chat-setup.js';
import { testStorage, withAdminClient } from '../harness/test-database.js';
import { answerTo, isReplyFrame, openSocket, type TestSocket } from '../realtime/realtime-client.js';
import { renderComposeOverride } from './compose-override.js';
import { startHostRelay, type HostRelay } from './host-relay.js';
import { buildParleyImage, freePort, hasPodman, hasPodmanCompose, podman, podmanCompose } from './podman.js';

const tag = 'localhost/parley:test';
const caddyImage = 'localhost/parley-caddy:trixie-slim';
const adminUrl = process.env.TEST_DATABASE_URL;
const redisUrl = process.env.TEST_REDIS_URL;
// Once per run (the embedded project), and only where PostgreSQL and Redis are there for the nodes.
const runs = hasPodman && hasPodmanCompose && testStorage === 'embedded' && Boolean(adminUrl && redisUrl);
// 20 tokens 100 ms apart: a reply of 2 s, long enough to see whether the balancer passes it on as it comes.
const tokens = Array.from({ length: 20 }, (_, index) => ` c${index}`);
const nodes = ['parley-a', 'parley-b'] as const;

/**
 * deploy/compose.yaml run by podman-compose: two nodes from the Parley image behind Caddy with the shipped
 * Caddyfile, on the compose network, with PostgreSQL and Redis on the host (compose-override.ts lists
 * every change). Everything goes through the balancer's published port, as a user's browser would.
 */
describe.skipIf(!runs)('the compose file, two nodes behind Caddy under podman-compose', { timeout: 300_000 }, () => {
  const suffix = randomBytes(4).toString('hex');
  const project = `parley-compose-${suffix}`;
  const network = `${project}_default`;
  const databaseName = `parley_compose_${suffix}`;
  const containerOf = (service: string) => `${project}_${service}_1`;
  const relays: HostRelay[] = [];
  let composeArgs: string[] = [];
  let workDir = '';
  let fake: FakeOpenAIServer;
  let balancer: string;

  beforeAll(async () => {
    await buildParleyImage(tag);
    // Containers reach the host as host.containers.internal, so the fake listens beyond 127.0.0.1.
    fake = await startFakeOpenAIServer({ replyTokens: tokens, tokenDelayMs: 100, host: '0.0.0.0' });
    await withAdminClient(adminUrl!, (client) => client.query(`create database ${databaseName}`));
    // The network podman-compose would make, made first for its subnet: the relays answer only it.
    await podman(['network', 'create', network]);
    const subnet = await podman(['network', 'inspect', '--format={{range .Subnets}}{{.Subnet}}{{end}}', network]);
    const viaRelay = async (url: string, pathname: string, defaultPort: number) => {
      const target = new URL(url);
      const relay = await startHostRelay({ host: target.hostname, port: Number(target.port || defaultPort) }, subnet);
      relays.push(relay);
      target.host = `host.containers.internal:${relay.port}`;
      target.pathname = pathname;
      return target.toString();
    };

    workDir = mkdtempSync(path.join(tmpdir(), 'parley-compose-'));
    chmodSync(workDir, 0o755);
    const secretKeyFile = path.join(workDir, 'secret.key');
    writeFileSync(secretKeyFile, randomBytes(32).toString('hex'), { mode: 0o644 });
    const override = renderComposeOverride({
      parleyImage: tag,
      caddyImage,
      databaseUrl: await viaRelay(adminUrl!, `/${databaseName}`, 5432),
      redisUrl: await viaRelay(redisUrl!, new URL(redisUrl!).pathname, 6379),
      secretKeyFile,
      env: {
        OPENAI_API_KEY: 'sk-compose',
        OPENAI_BASE_URL: `http://host.containers.internal:${new URL(fake.url).port}/v1`,
        AUTH_RATE_LIMIT_PER_MINUTE: '100000',
      },
      outDir: workDir,
    });
    composeArgs = ['--project-name', project, '--file', path.resolve('deploy/compose.yaml'), '--file', override];
    const port = await freePort();
    balancer = `http://127.0.0.1:${port}`;
    // The images are there already (built above, made by scripts/make-base-images.sh): nothing to pull or build.
    await podmanCompose([...composeArgs, 'up', '--detach', '--no-build'], { PARLEY_HTTP_PORT: String(port) });
    await waitUntilBothNodesServe();
  }, 1_500_000);

  afterAll(async () => {
    if (composeArgs.length > 0) await podmanCompose([...composeArgs, 'down', '--volumes']).catch(() => undefined);
    // podman-compose 1.0.3 leaves the network behind.
    await podman(['network', 'rm', '--force', network]).catch(() => undefined);
    for (const relay of relays) await relay.close();
    await withAdminClient(adminUrl!, (client) =>
      client.query(`drop database if exists ${databaseName} with (force)`),
    ).catch(() => undefined);
    await fake?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  }, 180_000);

  /** The paths of the requests a node's container logged ("incoming request"), oldest first. */
  const requestsServedBy = async (service: string): Promise<string[]> => {
    const logs = await podman(['logs', containerOf(service)]);
    return logs
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg?: string; req?: { url: string } })
      .filter((entry) => entry.msg === 'incoming request' && entry.req)
      .map((entry) => entry.req!.url);
  };

  /**
   * Until two probes in a row through the balancer land on different nodes: then both are in Caddy's
   * rotation (it marks a node up only after a health check on /ready passes, every 5 s).
   */
  async function waitUntilBothNodesServe(timeoutMs = 120_000): Promise<void> {
    const started = Date.now();
    let previous: string | undefined;
    for (let probe = 0; Date.now() - started < timeoutMs; probe += 1) {
      const url = `/ready?probe=${probe}`;
      const answered = await fetch(`${balancer}${url}`).then(
        (response) => response.ok,
        () => false,
      );
      let servedBy: string | undefined;
      if (answered) {
        for (const service of nodes) if ((await requestsServedBy(service)).includes(url)) servedBy = service;
      }
      if (previous && servedBy && servedBy !== previous) return;
      previous = servedBy;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const logs = await Promise.all(
      [...nodes, 'balancer'].map((service) => podman(['logs', '--tail=15', containerOf(service)]).catch(String)),
    );
    throw new Error(`Both nodes were not behind the balancer within ${timeoutMs} ms; they said:\n${logs.join('\n')}`);
  }

  it('serves a chat through Caddy from both nodes: the reply streams as it is written, to sockets on each node', async () => {
    const json = { 'content-type': 'application/json' };
    const register = await fetch(`${balancer}/v1/auth/register`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ email: 'compose@example.test', password: 'a long password' }),
    });
    expect(register.status).toBe(201);
    const { accessToken } = (await register.json()) as { accessToken: string };
    const auth = { authorization: `Bearer ${accessToken}` };
    const post = async (url: string, body: object) =>
      fetch(`${balancer}${url}`, { method: 'POST', headers: { ...json, ...auth }, body: JSON.stringify(body) });
    const agent = (await (await post('/v1/agents', { name: 'Slow', model: 'openai:gpt-4o-mini' })).json()) as {
      id: string;
    };
    const { id: conversationId } = (await (await post('/v1/conversations', { agentId: agent.id })).json()) as {
      id: string;
    };

    // Two upgrades in a row: round robin puts them on different nodes (checked below), so whichever node
    // writes the reply, one watcher hears it from the other node through Redis.
    const watchers: TestSocket[] = [];
    for (const id of ['watch-1', 'watch-2']) {
      const watcher = await openSocket(balancer, { headers: auth });
      watcher.send({ type: 'subscribe', id, conversationId });
      expect((await answerTo(watcher, id)).type).toBe('subscribed');
      watchers.push(watcher);
    }

    const sent = await fetch(`${balancer}/v1/conversations/${conversationId}/messages`, {
      method: 'POST',
      headers: { ...json, ...auth, accept: 'text/event-stream' },
      body: JSON.stringify({ content: 'Count slowly' }),
    });
    expect(sent.status).toBe(200);
    expect(sent.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = sent.body!.getReader();
    const decoder = new TextDecoder();
    let received = '';
    let firstDeltaAt = 0;
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
      received += decoder.decode(chunk.value, { stream: true });
      if (!firstDeltaAt && received.includes('"type":"text-delta"')) firstDeltaAt = Date.now();
    }
    // Caddy flushes each event as it comes (flush_interval -1): the first delta came while the 2 s reply
    // was still being written, not with the rest at its end.
    expect(firstDeltaAt).toBeGreaterThan(0);
    expect(Date.now() - firstDeltaAt).toBeGreaterThan(1_000);
    const { parts, isDone } = uiMessageParts(received);
    expect(isDone).toBe(true);
    const replyId = String(parts.find((part) => part.type === 'start')?.messageId);
    const streamed = parts.filter((part) => part.type === 'text-delta').map((part) => part.delta);
    expect(streamed.join('')).toBe(tokens.join(''));

    for (const watcher of watchers) {
      const finished = await watcher.next((frame) => frame.type === 'finished' && isReplyFrame(replyId)(frame));
      expect(finished).toMatchObject({ message: { status: 'complete', content: tokens.join('') } });
      const deltas = watcher.frames.filter((frame) => frame.type === 'text-delta').map((frame) => frame.delta);
      expect(deltas).toEqual(tokens);
      await watcher.close();
    }

    // Each node served part of the API, and one of the two sockets.
    for (const service of nodes) {
      const served = (await requestsServedBy(service)).filter((url) => url.startsWith('/v1/'));
      expect(
        served.filter((url) => url.startsWith('/v1/realtime')),
        service,
      ).toHaveLength(1);
      expect(served.length, `${service} served ${served.join(', ')}`).toBeGreaterThan(1);
    }
  });
});
