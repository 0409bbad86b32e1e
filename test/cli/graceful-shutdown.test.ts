import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/platform/db/client.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { testStorage } from '../harness/test-database.js';
import { spawnServe, waitForReady } from './server-process.js';

const tokens = Array.from({ length: 20 }, (_, index) => ` word${index}`);

// One real process on embedded storage; the shutdown path does not depend on the database engine.
describe.skipIf(testStorage === 'postgres')('graceful shutdown', () => {
  let fake: FakeOpenAIServer;
  beforeAll(async () => {
    fake = await startFakeOpenAIServer({ replyTokens: tokens, tokenDelayMs: 75 });
  });
  afterAll(() => fake.close());

  it('finishes a stream in flight on SIGTERM, stores the reply, then exits 0', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-shutdown-'));
    const { child, baseUrl } = await spawnServe({
      dataDir,
      env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.baseUrl, SHUTDOWN_GRACE_MS: '20000' },
    });
    try {
      await waitForReady(baseUrl, child);
      const json = { 'content-type': 'application/json' };
      const session = await (
        await fetch(`${baseUrl}/v1/auth/register`, {
          method: 'POST',
          headers: json,
          body: JSON.stringify({ email: 'shutdown@example.test', password: 'a long password' }),
        })
      ).json();
      const auth = { ...json, authorization: `Bearer ${session.accessToken}` };
      const agent = await (
        await fetch(`${baseUrl}/v1/agents`, {
          method: 'POST',
          headers: auth,
          body: JSON.stringify({ name: 'Slow', instructions: 'Be slow.', model: 'openai:gpt-4o-mini' }),
        })
      ).json();
      const conversation = await (
        await fetch(`${baseUrl}/v1/conversations`, {
          method: 'POST',
          headers: auth,
          body: JSON.stringify({ agentId: agent.id }),
        })
      ).json();

      const response = await fetch(`${baseUrl}/v1/conversations/${conversation.id}/messages`, {
        method: 'POST',
        headers: { ...auth, accept: 'text/event-stream' },
        body: JSON.stringify({ content: 'take your time' }),
      });
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      let received = '';
      while (!received.includes('text-delta')) received += decoder.decode((await reader.read()).value);

      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      for (;;) {
        const chunk = await reader.read();
        if (chunk.done) break;
        received += decoder.decode(chunk.value);
      }
      const [exitCode] = await exited;

      expect(received).toContain('"type":"finish"');
      expect(received).toContain('data: [DONE]');
      for (const token of tokens) expect(received).toContain(JSON.stringify(token));
      expect(exitCode).toBe(0);

      const database = await openDatabase({ dataDir: path.join(dataDir, 'pglite') });
      try {
        const { rows } = await database.executeSql(
          `select status, content from messages where role = 'assistant' and conversation_id = $1`,
          [conversation.id],
        );
        expect(rows).toEqual([{ status: 'complete', content: tokens.join('') }]);
      } finally {
        await database.close();
      }
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
