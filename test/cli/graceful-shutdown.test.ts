import { once } from 'node:events';
import path from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interruptedReply } from '../../src/modules/chat/index.js';
import { openDatabase } from '../../src/platform/db/client.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { testStorage } from '../harness/test-database.js';
import { migratedDataDir } from './data-dir-template.js';
import { spawnServe, waitForReady } from './server-process.js';

const tokens = Array.from({ length: 20 }, (_, index) => ` word${index}`);

// One real process on embedded storage; the shutdown path does not depend on the database engine. Each test
// starts `parley serve`, which loads the whole server: over 30 s on a loaded 2-core machine when it ran under tsx.
describe.skipIf(testStorage === 'postgres')('graceful shutdown', { timeout: 120_000 }, () => {
  let fake: FakeOpenAIServer;
  beforeAll(async () => {
    // 20 tokens 75 ms apart: a reply of about 1.5 s.
    fake = await startFakeOpenAIServer({ replyTokens: tokens, tokenDelayMs: 75 });
  });
  afterAll(() => fake.close());

  /** A server process with the given grace period, signed up, with a conversation with a slow agent. */
  async function serverWithConversation(graceMs: number) {
    // A data directory already migrated: what is tested is the stop, not a first start.
    const dataDir = migratedDataDir('parley-shutdown-');
    const { child, baseUrl } = await spawnServe({
      dataDir,
      env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.baseUrl, SHUTDOWN_GRACE_MS: String(graceMs) },
    });
    await waitForReady(baseUrl, child);
    const json = { 'content-type': 'application/json' };
    const post = async (url: string, body: object, headers: Record<string, string> = json) =>
      fetch(`${baseUrl}${url}`, { method: 'POST', headers, body: JSON.stringify(body) });
    const session = await (
      await post('/v1/auth/register', { email: 'shutdown@example.test', password: 'a long password' })
    ).json();
    const auth = { ...json, authorization: `Bearer ${session.accessToken}` };
    const agent = await (
      await post('/v1/agents', { name: 'Slow', instructions: 'Be slow.', model: 'openai:gpt-4o-mini' }, auth)
    ).json();
    const conversation = await (await post('/v1/conversations', { agentId: agent.id }, auth)).json();
    return { dataDir, child, baseUrl, post, auth, agent, conversation };
  }

  /**
   * A server process with the given grace period, a reply streaming in it, then SIGTERM: what the client
   * read until its stream ended, how the process exited, and the reply as stored.
   */
  async function stopWhileStreaming(graceMs: number, via: 'messages' | 'completions' = 'messages') {
    const { dataDir, child, baseUrl, post, auth, agent, conversation } = await serverWithConversation(graceMs);
    // A client that keeps its connection open after the stream, as a browser does (for minutes): the stop
    // must not wait for it to leave.
    const browserLike = new Agent({ keepAliveTimeout: 120_000, keepAliveMaxTimeout: 120_000 });
    try {
      const response =
        via === 'messages'
          ? await undiciFetch(`${baseUrl}/v1/conversations/${conversation.id}/messages`, {
              method: 'POST',
              headers: { ...auth, accept: 'text/event-stream' },
              body: JSON.stringify({ content: 'take your time' }),
              dispatcher: browserLike,
            })
          : await post(
              '/v1/chat/completions',
              { model: agent.id, stream: true, messages: [{ role: 'user', content: 'take your time' }] },
              auth,
            );
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      let received = '';
      const firstWord = via === 'messages' ? 'text-delta' : 'word0';
      while (!received.includes(firstWord)) received += decoder.decode((await reader.read()).value);

      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      for (;;) {
        const chunk = await reader.read();
        if (chunk.done) break;
        received += decoder.decode(chunk.value);
      }
      const streamEndedAt = Date.now();
      const [exitCode] = await exited;
      const exitAfterStreamMs = Date.now() - streamEndedAt;

      const database = await openDatabase({ dataDir: path.join(dataDir, 'pglite') });
      try {
        const { rows } = await database.executeSql(
          `select status, content, error_message as "errorMessage" from messages where role = 'assistant' and conversation_id = $1`,
          [conversation.id],
        );
        return { received, exitCode, exitAfterStreamMs, stored: rows };
      } finally {
        await database.close();
      }
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await browserLike.close();
    }
  }

  it('finishes a stream in flight on SIGTERM, stores the reply, then exits 0', async () => {
    const { received, exitCode, exitAfterStreamMs, stored } = await stopWhileStreaming(20_000);
    expect(received).toContain('"type":"finish"');
    expect(received).toContain('data: [DONE]');
    for (const token of tokens) expect(received).toContain(JSON.stringify(token));
    expect(exitCode).toBe(0);
    // Once the last stream is done the process goes, though its client still holds the connection open
    // (it waited out the rest of the grace period for that client, 18 s here).
    expect(exitAfterStreamMs).toBeLessThan(10_000);
    expect(stored).toMatchObject([{ status: 'complete', content: tokens.join('') }]);
  });

  it('ends a reply still streaming when the grace period is over: stored as interrupted, and the client told', async () => {
    const { received, exitCode, stored } = await stopWhileStreaming(200);
    // The client hears why its reply stopped, in the stream's own error part, and the stream ends properly.
    expect(received).toContain(`"errorText":${JSON.stringify(interruptedReply.message)}`);
    expect(received).toContain('data: [DONE]');
    expect(exitCode).toBe(0);
    // Nothing is left `streaming` for the next start: the reply keeps what was said, marked interrupted.
    expect(stored).toHaveLength(1);
    const [reply] = stored as { status: string; content: string; errorMessage: string }[];
    expect(reply).toMatchObject({ status: 'error', errorMessage: interruptedReply.message });
    expect(reply!.content.length).toBeGreaterThan(0);
    expect(reply!.content.length).toBeLessThan(tokens.join('').length);
  });

  it('ends an OpenAI-compatible stream still running when the grace period is over with an error event, not a cut', async () => {
    const { received, exitCode } = await stopWhileStreaming(200, 'completions');
    expect(received).toContain(JSON.stringify(interruptedReply.message));
    expect(received).toContain('data: [DONE]');
    expect(exitCode).toBe(0);
  });

  it('answers a JSON send cut short by the grace period with 503 naming the stop, not a provider failure', async () => {
    const { child, post, auth, conversation } = await serverWithConversation(200);
    try {
      const requestsBefore = fake.requests.length;
      const sent = post(`/v1/conversations/${conversation.id}/messages`, { content: 'take your time' }, auth);
      while (fake.requests.length === requestsBefore) await new Promise((resolve) => setTimeout(resolve, 20));
      child.kill('SIGTERM');
      const response = await sent;
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ code: 'not_ready', detail: interruptedReply.message });
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('marks a reply a killed process left streaming as interrupted as soon as embedded storage starts again', async () => {
    const dataDir = migratedDataDir('parley-killed-');
    const env = { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.baseUrl };
    const first = await spawnServe({ dataDir, env });
    let replyId: string;
    let conversationId: string;
    let auth: Record<string, string>;
    try {
      await waitForReady(first.baseUrl, first.child);
      const post = async (base: string, url: string, body: object, headers: Record<string, string>) =>
        fetch(`${base}${url}`, { method: 'POST', headers, body: JSON.stringify(body) });
      const json = { 'content-type': 'application/json' };
      const session = await (
        await post(
          first.baseUrl,
          '/v1/auth/register',
          { email: 'killed@example.test', password: 'a long password' },
          json,
        )
      ).json();
      auth = { ...json, authorization: `Bearer ${session.accessToken}` };
      const agent = await (
        await post(first.baseUrl, '/v1/agents', { name: 'Slow', model: 'openai:gpt-4o-mini' }, auth)
      ).json();
      conversationId = (await (await post(first.baseUrl, '/v1/conversations', { agentId: agent.id }, auth)).json()).id;
      const response = await post(
        first.baseUrl,
        `/v1/conversations/${conversationId}/messages`,
        { content: 'take your time' },
        { ...auth, accept: 'text/event-stream' },
      );
      const reader = response.body!.getReader();
      let received = '';
      while (!received.includes('text-delta')) received += new TextDecoder().decode((await reader.read()).value);
      replyId = /"messageId":"([^"]+)"/.exec(received)?.[1] ?? '';
      const exited = once(first.child, 'exit');
      first.child.kill('SIGKILL');
      await exited;
    } finally {
      if (first.child.exitCode === null && first.child.signalCode === null) first.child.kill('SIGKILL');
    }

    const second = await spawnServe({ dataDir, env });
    try {
      await waitForReady(second.baseUrl, second.child);
      const messages = await (
        await fetch(`${second.baseUrl}/v1/conversations/${conversationId}/messages`, { headers: auth })
      ).json();
      const reply = (messages.items as { id: string; role: string; status: string; error: unknown }[]).find(
        (message) => message.role === 'assistant',
      );
      expect(reply).toMatchObject({ status: 'error', error: { message: interruptedReply.message } });
      expect(replyId).toBe(reply?.id);
    } finally {
      second.child.kill('SIGKILL');
    }
  });
});
