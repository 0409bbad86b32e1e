import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { testStorage } from '../harness/test-database.js';
import { buildParleyImage, freePort, hasPodman, podman, waitForOk } from './podman.js';

const tag = 'localhost/parley:test';
const tokens = Array.from({ length: 30 }, (_, index) => ` word${index}`);

/**
 * The OCI image (Containerfile, docs/deploy.md) built with podman on a Debian base made here, and run as
 * docs/deploy.md's first example does: embedded storage in a volume, a read-only root, a non-root user.
 * Once per run, on the embedded project (the container brings its own storage).
 */
describe.skipIf(!hasPodman || testStorage === 'postgres')('the Parley image', { timeout: 300_000 }, () => {
  const name = `parley-test-${randomBytes(4).toString('hex')}`;
  const volume = `${name}-data`;
  let port: number;
  let baseUrl: string;
  let fake: FakeOpenAIServer;

  beforeAll(async () => {
    await buildParleyImage(tag);
    // 30 tokens 100 ms apart: a reply of 3 s, long enough to stop the container inside it.
    fake = await startFakeOpenAIServer({ replyTokens: tokens, tokenDelayMs: 100 });
    port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    await podman([
      'run',
      '--detach',
      `--name=${name}`,
      '--network=host',
      '--read-only',
      '--tmpfs=/tmp',
      `--volume=${volume}:/data`,
      `--env=PORT=${port}`,
      '--env=HOST=127.0.0.1',
      `--env=OPENAI_BASE_URL=${fake.baseUrl}`,
      '--env=OPENAI_API_KEY=sk-image-test',
      tag,
    ]);
    await waitForOk(`${baseUrl}/ready`, name);
  }, 1_500_000);
  afterAll(async () => {
    await podman(['rm', '--force', '--time=0', name]).catch(() => undefined);
    await podman(['volume', 'rm', '--force', volume]).catch(() => undefined);
    await fake?.close();
  });

  const json = { 'content-type': 'application/json' };
  const post = (path: string, body: object, headers: Record<string, string> = json) =>
    fetch(`${baseUrl}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  const signIn = async (path: string) => {
    const response = await post(path, { email: 'image@example.test', password: 'a long password' });
    expect(response.status).toBeLessThan(300);
    const { accessToken } = (await response.json()) as { accessToken: string };
    return { ...json, authorization: `Bearer ${accessToken}` };
  };

  it('runs as uid 10001 and holds no secret in its layers or files', async () => {
    expect(await podman(['image', 'inspect', '--format={{.Config.User}}', tag])).toBe('10001:10001');
    const history = await podman(['history', '--no-trunc', '--format={{.CreatedBy}}', tag]);
    // The runtime stage's own history (the build stage's is not in the image), settings and all.
    expect(history).toContain('USER 10001:10001');
    expect(history).not.toMatch(/SECRET|API_KEY|sk-|ca-certificates\.crt/);
    const found = await podman([
      'run',
      '--rm',
      '--network=none',
      '--entrypoint=sh',
      tag,
      '-c',
      'find / -xdev \\( -name secret.key -o -name .env \\) -print; ls -A /data',
    ]);
    expect(found).toBe('');
  });

  it('serves the tour on its first run, writes only to its volume, and keeps the chat across a restart', async () => {
    let auth = await signIn('/v1/auth/register');
    const agent = (await (await post('/v1/agents', { name: 'Helper', model: 'offline' }, auth)).json()) as {
      id: string;
    };
    const conversation = (await (await post('/v1/conversations', { agentId: agent.id }, auth)).json()) as {
      id: string;
    };
    const sent = await post(
      `/v1/conversations/${conversation.id}/messages`,
      { content: 'Hello from a container' },
      auth,
    );
    expect(sent.status).toBe(201);

    await expect(podman(['exec', name, 'sh', '-c', 'touch /app/probe'])).rejects.toThrow(/Read-only file system/);
    expect(await podman(['exec', name, 'sh', '-c', 'touch /data/probe && rm /data/probe && id -u'])).toBe('10001');

    await podman(['stop', '--time=30', name], 90_000);
    expect(await podman(['inspect', '--format={{.State.ExitCode}}', name])).toBe('0');
    await podman(['start', name]);
    await waitForOk(`${baseUrl}/ready`, name);
    auth = await signIn('/v1/auth/login');
    const history = await fetch(`${baseUrl}/v1/conversations/${conversation.id}/messages`, { headers: auth });
    expect(history.status).toBe(200);
    const { items } = (await history.json()) as { items: { role: string; content: string }[] };
    expect(items.map((message) => message.role)).toEqual(['user', 'assistant']);
    expect(items[0]!.content).toBe('Hello from a container');
  });

  it('drains a reply in flight on SIGTERM and exits 0', async () => {
    const auth = await signIn('/v1/auth/login');
    const agent = (await (await post('/v1/agents', { name: 'Slow', model: 'openai:gpt-4o-mini' }, auth)).json()) as {
      id: string;
    };
    const conversation = (await (await post('/v1/conversations', { agentId: agent.id }, auth)).json()) as {
      id: string;
    };
    const response = await post(
      `/v1/conversations/${conversation.id}/messages`,
      { content: 'take your time' },
      { ...auth, accept: 'text/event-stream' },
    );
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let received = '';
    while (!received.includes('word0')) received += decoder.decode((await reader.read()).value);

    await podman(['kill', '--signal=TERM', name]);
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
      received += decoder.decode(chunk.value);
    }
    expect(await podman(['wait', name], 90_000)).toBe('0');
    // Within the grace period (10 s) the whole 3 s reply was sent, and its end.
    expect(received).toContain('word29');
    expect(received).toContain('"type":"finish"');
  });
});
