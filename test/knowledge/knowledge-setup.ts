import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { App } from '../../src/platform/http/types.js';
import type { SignedIn } from '../harness/actors.js';

export interface DocumentView {
  readonly id: string;
  readonly sourceId: string;
  readonly title: string;
  readonly path: string | null;
  readonly status: 'pending' | 'processing' | 'ready' | 'failed' | 'cancelled';
  readonly progress: number;
  readonly errorMessage: string | null;
  readonly chunkCount: number;
  readonly pageCount: number | null;
  readonly mediaType: string | null;
  readonly byteSize: number | null;
  readonly storageKey?: never;
}

export interface SearchHitView {
  readonly chunkId: string;
  readonly documentId: string;
  readonly sourceId: string;
  readonly documentTitle: string;
  readonly content: string;
  readonly page: number | null;
  readonly highlights: string[];
  readonly lexicalScore: number | null;
  readonly vectorScore: number | null;
}

/** A multipart/form-data body with one file, built by hand so tests control every byte and header. */
export function multipartBody(
  content: Buffer,
  options: { filename?: string; field?: string; contentType?: string } = {},
): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----parley-test-${randomBytes(8).toString('hex')}`;
  const head =
    `--${boundary}\r\n` +
    `Content-Disposition: form-data; name="${options.field ?? 'file'}"; filename="${options.filename ?? 'file.bin'}"\r\n` +
    `Content-Type: ${options.contentType ?? 'application/octet-stream'}\r\n\r\n`;
  const tail = `\r\n--${boundary}--\r\n`;
  return {
    payload: Buffer.concat([Buffer.from(head, 'utf8'), content, Buffer.from(tail, 'utf8')]),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

export async function createSource(
  app: App,
  user: SignedIn,
  body: Record<string, unknown> = {},
): Promise<{ id: string }> {
  const response = await app.inject({
    method: 'POST',
    url: '/v1/knowledge-sources',
    headers: user.headers,
    payload: { name: `Source ${randomBytes(4).toString('hex')}`, ...body },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

export async function uploadDocument(
  app: App,
  user: SignedIn,
  sourceId: string,
  content: Buffer,
  options: { filename?: string; field?: string; contentType?: string } = {},
) {
  const body = multipartBody(content, options);
  return app.inject({
    method: 'POST',
    url: `/v1/knowledge-sources/${sourceId}/documents`,
    headers: { ...user.headers, ...body.headers },
    payload: body.payload,
  });
}

export async function uploadAccepted(
  app: App,
  user: SignedIn,
  sourceId: string,
  content: Buffer,
  options: { filename?: string } = {},
): Promise<DocumentView> {
  const response = await uploadDocument(app, user, sourceId, content, options);
  expect(response.statusCode, response.body).toBe(202);
  return response.json();
}

export async function getDocument(
  app: App,
  user: SignedIn,
  sourceId: string,
  documentId: string,
): Promise<DocumentView> {
  const response = await app.inject({
    method: 'GET',
    url: `/v1/knowledge-sources/${sourceId}/documents/${documentId}`,
    headers: user.headers,
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

/** Polls the document until it reaches one of `statuses` (the job runs in the background). */
export async function waitForDocument(
  app: App,
  user: SignedIn,
  sourceId: string,
  documentId: string,
  until: (document: DocumentView) => boolean = (document) => ['ready', 'failed', 'cancelled'].includes(document.status),
  timeoutMs = 30_000,
): Promise<DocumentView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const document = await getDocument(app, user, sourceId, documentId);
    if (until(document)) return document;
    if (Date.now() > deadline) throw new Error(`document stayed ${document.status}: ${JSON.stringify(document)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function query(
  app: App,
  user: SignedIn,
  sourceId: string,
  body: Record<string, unknown>,
): Promise<{ mode: string; tookMs: number; results: SearchHitView[] }> {
  const response = await app.inject({
    method: 'POST',
    url: `/v1/knowledge-sources/${sourceId}/query`,
    headers: user.headers,
    payload: body,
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}
