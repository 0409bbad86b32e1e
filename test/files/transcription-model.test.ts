import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/platform/http/types.js';
import { sendJson, startFakeHttpServer, type RunningFakeServer } from '../fakes/fake-http-server.js';
import { createAgent, createConversation } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { multipartBody } from '../knowledge/knowledge-setup.js';
import { useUpTokens } from '../budgets/budget-setup.js';
import { wavBytes } from './audio-fixtures.js';

const serverOpenAIKey = 'sk-server-openai-0123456789';

/** Uploads a WAV file and sends it to a new offline agent's conversation. */
async function sendAudio(app: App, admin: SignedInUser) {
  const body = multipartBody(wavBytes(), { filename: 'memo.wav' });
  const file = await app.inject({
    method: 'POST',
    url: '/v1/files',
    headers: { ...admin.headers, ...body.headers },
    payload: body.payload,
  });
  const agent = await createAgent(app, admin, { model: 'offline' });
  const conversation = await createConversation(app, admin, agent.id, { title: 'Memo' });
  return app.inject({
    method: 'POST',
    url: `/v1/conversations/${conversation.id}/messages`,
    headers: admin.headers,
    payload: { content: 'What does the memo say?', fileIds: [file.json().id] },
  });
}

/**
 * TRANSCRIPTION_MODEL names the speech-to-text model, e.g. on an OpenAI-compatible server (speaches,
 * LocalAI, vLLM) that serves OpenAI's `/audio/transcriptions`, as the fake here does. (files.test.ts
 * follows a transcript on to the model; this one is about which model is asked.)
 */
describe('TRANSCRIPTION_MODEL', () => {
  let speech: RunningFakeServer;
  let t: TestApp;
  let admin: SignedInUser;
  let platformAdmin: SignedInUser;

  beforeAll(async () => {
    speech = await startFakeHttpServer(async ({ request, response }) => {
      if (request.method === 'POST' && request.path === '/v1/audio/transcriptions') {
        return sendJson(response, 200, { text: 'Book the room for Thursday.' });
      }
      sendJson(response, 404, { error: { message: `Unknown request URL: ${request.path}` } });
    });
    t = await buildTestApp({
      // A server-wide OpenAI as well: the named model must win over whisper-1 there, and its key must
      // not travel to the other server.
      OPENAI_API_KEY: serverOpenAIKey,
      OPENAI_BASE_URL: 'http://openai.invalid/v1',
      OPENAI_COMPATIBLE_BASE_URL: `${speech.url}/v1`,
      OPENAI_COMPATIBLE_NAME: 'local',
      TRANSCRIPTION_MODEL: 'local:whisper-large-v3',
    });
    platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin);
  });
  afterAll(async () => {
    await t?.close();
    await speech?.close();
  });

  it("transcribes with the named model on an OpenAI-compatible server, sending it no other server's key", async () => {
    speech.clearRequests();
    const response = await sendAudio(t.app, admin);

    expect(response.statusCode, response.body).toBe(201);
    const [request] = speech.requests.filter((each) => each.path === '/v1/audio/transcriptions');
    expect(String(request?.body)).toContain('whisper-large-v3');
    expect(JSON.stringify(request?.headers)).not.toContain(serverOpenAIKey);
  });

  it('goes through the model gate: one ledger row per transcription, refused once the month is used up', async () => {
    const tenant = await createTenantWithAdmin(t.app, platformAdmin, 'Voice memos');
    const transcriptions = async () => {
      const { rows } = await t.database.executeSql(
        `select model_ref as "modelRef", outcome, user_id as "userId" from usage_ledger
          where tenant_id = $1 and path = 'transcription'`,
        [tenant.tenantId],
      );
      return rows as { modelRef: string; outcome: string; userId: string }[];
    };
    expect((await sendAudio(t.app, tenant)).statusCode).toBe(201);
    expect(await transcriptions()).toEqual([
      { modelRef: 'local:whisper-large-v3', outcome: 'finished', userId: tenant.userId },
    ]);

    await useUpTokens(t.app, tenant);
    speech.clearRequests();
    const refused = await sendAudio(t.app, tenant);
    expect(refused.statusCode, refused.body).toBe(429);
    expect(speech.requests.filter((each) => each.path === '/v1/audio/transcriptions')).toEqual([]);
    expect(await transcriptions()).toHaveLength(1);
  });
});

describe('TRANSCRIPTION_MODEL naming a provider without transcription', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ ANTHROPIC_API_KEY: 'sk-ant-unused', TRANSCRIPTION_MODEL: 'anthropic:claude-haiku-4-5' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('refuses audio with the sentence that says what to configure', async () => {
    const admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
    const response = await sendAudio(t.app, admin);
    expect(response.statusCode).toBe(422);
    expect(response.json().detail).toContain('TRANSCRIPTION_MODEL');
  });
});
