import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sendJson, startFakeHttpServer, type RunningFakeServer } from '../fakes/fake-http-server.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { createAgent, createConversation } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';
import { pdfWithPages, pngBytes } from '../knowledge/document-fixtures.js';
import { multipartBody } from '../knowledge/knowledge-setup.js';
import { wavBytes } from './audio-fixtures.js';

const uploadMaxBytes = 64 * 1024;
const transcript = 'Please book the meeting room for Thursday at ten.';

interface FileView {
  id: string;
  filename: string;
  mediaType: string;
  kind: string;
  byteSize: number;
  hasExtractedText: boolean;
}

describe('chat attachments', () => {
  let chatModel: FakeOpenAIServer;
  /** OpenAI's transcription endpoint (the server-wide OpenAI provider points here). */
  let speech: RunningFakeServer;
  let t: TestApp;
  let admin: SignedInUser;
  let member: SignedInUser;
  let otherAdmin: SignedInUser;

  beforeAll(async () => {
    chatModel = await startFakeOpenAIServer();
    speech = await startFakeHttpServer(async ({ request, response }) => {
      if (request.method === 'POST' && request.path === '/v1/audio/transcriptions') {
        return sendJson(response, 200, { text: transcript });
      }
      sendJson(response, 404, { error: { message: `Unknown request URL: ${request.path}` } });
    });
    t = await buildTestApp({
      UPLOAD_MAX_BYTES: String(uploadMaxBytes),
      OPENAI_API_KEY: 'sk-server-secret-0123456789',
      OPENAI_BASE_URL: `${speech.url}/v1`,
      OPENAI_COMPATIBLE_BASE_URL: chatModel.baseUrl,
      OPENAI_COMPATIBLE_NAME: 'vision',
    });
    const platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin);
    member = await createUser(t.app, admin, 'member');
    otherAdmin = await createTenantWithAdmin(t.app, platformAdmin);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await chatModel?.close();
    await speech?.close();
  });
  beforeEach(() => chatModel.respondWith({ replyTokens: ['Seen.'] }));

  const upload = (user: SignedInUser, content: Buffer, filename: string) => {
    const body = multipartBody(content, { filename });
    return t.app.inject({
      method: 'POST',
      url: '/v1/files',
      headers: { ...user.headers, ...body.headers },
      payload: body.payload,
    });
  };
  const uploaded = async (user: SignedInUser, content: Buffer, filename: string): Promise<FileView> => {
    const response = await upload(user, content, filename);
    expect(response.statusCode, response.body).toBe(201);
    return response.json();
  };
  const send = (user: SignedInUser, conversationId: string, content: string, fileIds: string[]) =>
    t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages`,
      headers: user.headers,
      payload: { content, fileIds },
    });
  const lastUserContent = () => {
    const body = chatModel.lastRequest().body as { messages: { role: string; content: unknown }[] };
    return body.messages.findLast((message) => message.role === 'user')!.content as Array<Record<string, unknown>>;
  };
  const visionConversation = async (user: SignedInUser) => {
    const agent = await createAgent(t.app, user, { model: 'vision:gpt-4o-mini' });
    return createConversation(t.app, user, agent.id, { title: 'Files' });
  };

  describe('upload and download', () => {
    it('detects each kind from the content, whatever the name says', async () => {
      expect(await uploaded(admin, pngBytes, 'photo.txt')).toMatchObject({
        filename: 'photo.txt',
        mediaType: 'image/png',
        kind: 'image',
        byteSize: pngBytes.length,
        hasExtractedText: false,
      });
      const pdf = await pdfWithPages(['Quarterly report']);
      expect(await uploaded(admin, pdf, 'report.bin')).toMatchObject({
        mediaType: 'application/pdf',
        kind: 'document',
      });
      expect(await uploaded(admin, wavBytes(), 'memo.wav')).toMatchObject({ mediaType: 'audio/wav', kind: 'audio' });
      expect(await uploaded(admin, Buffer.from('# Notes\n\nPlain words.'), 'notes.md')).toMatchObject({
        mediaType: 'text/markdown',
        kind: 'document',
      });
    });

    it('refuses a file chat cannot use with 415, one over the limit with 413 and an empty one with 400', async () => {
      const executable = Buffer.concat([Buffer.from('MZ\x90\x00\x03\x00\x00\x00', 'latin1'), Buffer.alloc(2000, 0)]);
      const unsupported = await upload(admin, executable, 'setup.exe');
      expect(unsupported.statusCode).toBe(415);
      expect(unsupported.json().detail).toContain('is not a file chat can use');

      const tooBig = await upload(admin, Buffer.alloc(uploadMaxBytes + 1, 0x61), 'big.txt');
      expect(tooBig.statusCode).toBe(413);

      const empty = await upload(admin, Buffer.alloc(0), 'notes.txt');
      expect(empty.statusCode).toBe(400);
      expect(empty.json().detail).toBe('The file is empty; check that it was saved, and upload it again');
    });

    it('serves the bytes as a download with the detected type, and deletes them', async () => {
      const file = await uploaded(admin, pngBytes, '../../chart final.png');
      expect(file.filename).toBe('chart final.png');

      const content = await t.app.inject({
        method: 'GET',
        url: `/v1/files/${file.id}/content`,
        headers: admin.headers,
      });
      expect(content.statusCode).toBe(200);
      expect(content.rawPayload.equals(pngBytes)).toBe(true);
      expect(content.headers['content-type']).toBe('image/png');
      expect(content.headers['x-content-type-options']).toBe('nosniff');
      expect(content.headers['content-disposition']).toBe(
        `attachment; filename="chart final.png"; filename*=UTF-8''chart%20final.png`,
      );

      // RFC 8187 has no ' ( ) * in an encoded value: they are escaped like the rest.
      const named = await uploaded(admin, pngBytes, "O'Brien (résumé)*.png");
      const download = await t.app.inject({ url: `/v1/files/${named.id}/content`, headers: admin.headers });
      expect(download.headers['content-disposition']).toBe(
        `attachment; filename="O'Brien (r_sum_)*.png"; filename*=UTF-8''O%27Brien%20%28r%C3%A9sum%C3%A9%29%2A.png`,
      );

      const removed = await t.app.inject({ method: 'DELETE', url: `/v1/files/${file.id}`, headers: admin.headers });
      expect(removed.statusCode).toBe(204);
      const gone = await t.app.inject({ method: 'GET', url: `/v1/files/${file.id}`, headers: admin.headers });
      expect(gone.statusCode).toBe(404);
    });

    it("answers 404 for another tenant's file and for a colleague's, to a member", async () => {
      const file = await uploaded(admin, pngBytes, 'mine.png');
      for (const user of [otherAdmin, member]) {
        for (const url of [`/v1/files/${file.id}`, `/v1/files/${file.id}/content`]) {
          const response = await t.app.inject({ method: 'GET', url, headers: user.headers });
          expect(response.statusCode, `${url}`).toBe(404);
        }
        const removal = await t.app.inject({ method: 'DELETE', url: `/v1/files/${file.id}`, headers: user.headers });
        expect(removal.statusCode).toBe(404);
      }
    });
  });

  describe('in messages', () => {
    it('gives an image to the model as an image part and shows it on the stored message', async () => {
      const image = await uploaded(admin, pngBytes, 'chart.png');
      const conversation = await visionConversation(admin);

      const response = await send(admin, conversation.id, 'What does this chart show?', [image.id]);

      expect(response.statusCode, response.body).toBe(201);
      expect(lastUserContent()).toEqual([
        { type: 'text', text: 'What does this chart show?' },
        { type: 'image_url', image_url: { url: `data:image/png;base64,${pngBytes.toString('base64')}` } },
      ]);
      expect(response.json().userMessage.attachments).toEqual([
        { fileId: image.id, filename: 'chart.png', mediaType: 'image/png' },
      ]);
      const history = await t.app.inject({
        method: 'GET',
        url: `/v1/conversations/${conversation.id}/messages`,
        headers: admin.headers,
      });
      expect(history.json().items[0].attachments).toEqual(response.json().userMessage.attachments);
    });

    it('says the model may not take images when a provider refuses a message that carries one', async () => {
      const image = await uploaded(admin, pngBytes, 'chart.png');
      const conversation = await visionConversation(admin);
      // What a text-only model behind an OpenAI-compatible server answers to an image part.
      chatModel.respondWith({ error: { status: 400 } });

      const withImage = await send(admin, conversation.id, 'What does this chart show?', [image.id]);
      // The request as it is will be refused again: a 4xx the caller can act on, not a 5xx to retry.
      expect(withImage.statusCode, withImage.body).toBe(422);
      expect(withImage.json().code).toBe('model_rejected');
      expect(withImage.json().detail).toContain(
        "The model provider 'vision' rejected the request (400) — this model may not accept images",
      );

      // A conversation with no image in it gets the general sentence.
      const plain = await visionConversation(admin);
      const withoutImage = await t.app.inject({
        method: 'POST',
        url: `/v1/conversations/${plain.id}/messages`,
        headers: admin.headers,
        payload: { content: 'Hello?' },
      });
      expect(withoutImage.statusCode, withoutImage.body).toBe(422);
      expect(withoutImage.json().detail).toContain('rejected the request (400)');
      expect(withoutImage.json().detail).not.toContain('images');
    });

    it("gives a PDF's text to the model, named, and keeps it for the next turn", async () => {
      const pdf = await uploaded(admin, await pdfWithPages(['The launch moves to 14 May.']), 'plan.pdf');
      const conversation = await visionConversation(admin);

      expect((await send(admin, conversation.id, 'When is the launch?', [pdf.id])).statusCode).toBe(201);
      const [, documentPart] = lastUserContent();
      expect(documentPart).toMatchObject({ type: 'text' });
      expect(documentPart!.text).toMatch(/^Attached file "plan.pdf":\n/);
      expect(documentPart!.text).toContain('The launch moves to 14 May.');
      expect(
        (await t.app.inject({ method: 'GET', url: `/v1/files/${pdf.id}`, headers: admin.headers })).json(),
      ).toMatchObject({
        hasExtractedText: true,
      });

      const followUp = await t.app.inject({
        method: 'POST',
        url: `/v1/conversations/${conversation.id}/messages`,
        headers: admin.headers,
        payload: { content: 'And the month again?' },
      });
      expect(followUp.statusCode).toBe(201);
      const body = chatModel.lastRequest().body as { messages: { role: string; content: unknown }[] };
      expect(JSON.stringify(body.messages)).toContain('The launch moves to 14 May.');
    });

    it('transcribes audio through the OpenAI provider and gives the model the transcript', async () => {
      const audio = await uploaded(admin, wavBytes(), 'memo.wav');
      const conversation = await visionConversation(admin);

      expect((await send(admin, conversation.id, 'Do what the memo says.', [audio.id])).statusCode).toBe(201);

      const transcription = speech.requests.find((request) => request.path === '/v1/audio/transcriptions');
      expect(transcription?.headers['content-type']).toMatch(/^multipart\/form-data/);
      expect(String(transcription?.body)).toContain('whisper-1');
      expect(lastUserContent()[1]).toEqual({
        type: 'text',
        text: `Transcript of the attached audio "memo.wav":\n${transcript}`,
      });
    });

    it("refuses another user's or tenant's file, and more than ten", async () => {
      const conversation = await visionConversation(admin);
      const colleagues = await uploaded(member, pngBytes, 'theirs.png');
      const foreign = await uploaded(otherAdmin, pngBytes, 'foreign.png');
      for (const fileId of [colleagues.id, foreign.id]) {
        const response = await send(admin, conversation.id, 'Look', [fileId]);
        expect(response.statusCode).toBe(404);
        expect(response.json().detail).toBe(`File '${fileId}' was not found`);
      }
      const many = Array.from(
        { length: 11 },
        (_, index) => `0190a000-0000-7000-8000-${String(index).padStart(12, '0')}`,
      );
      expect((await send(admin, conversation.id, 'Look', many)).statusCode).toBe(400);
      const history = await t.app.inject({
        method: 'GET',
        url: `/v1/conversations/${conversation.id}/messages`,
        headers: admin.headers,
      });
      expect(history.json().items).toEqual([]);
    });
  });
});

describe('audio without a transcription model', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('refuses the message with a sentence that says what to configure, storing nothing', async () => {
    const admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
    const body = multipartBody(wavBytes(), { filename: 'memo.wav' });
    const file = (
      await t.app.inject({
        method: 'POST',
        url: '/v1/files',
        headers: { ...admin.headers, ...body.headers },
        payload: body.payload,
      })
    ).json<FileView>();
    const agent = await createAgent(t.app, admin, { model: 'offline' });
    const conversation = await createConversation(t.app, admin, agent.id);

    const response = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversation.id}/messages`,
      headers: admin.headers,
      payload: { content: 'Listen', fileIds: [file.id] },
    });

    expect(response.statusCode).toBe(422);
    expect(response.json().detail).toMatch(/^Audio needs a transcription model.*configure an OpenAI provider/);
    const history = await t.app.inject({
      method: 'GET',
      url: `/v1/conversations/${conversation.id}/messages`,
      headers: admin.headers,
    });
    expect(history.json().items).toEqual([]);
  });
});
