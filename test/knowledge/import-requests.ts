import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { expect } from 'vitest';
import type { App } from '../../src/platform/http/types.js';
import type { SignedIn } from '../harness/actors.js';

export interface ImportFileView {
  position: number;
  path: string;
  outcome: 'added' | 'duplicate' | 'failed';
  documentId: string | null;
  message: string | null;
}

/** A multipart body with several files, each in the field `file`. */
export function filesBody(files: readonly { name: string; content: Buffer | string }[]) {
  const boundary = `----parley-import-${randomBytes(8).toString('hex')}`;
  const pieces = files.flatMap((file) => [
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    ),
    Buffer.from(file.content),
    Buffer.from('\r\n'),
  ]);
  return {
    payload: Buffer.concat([...pieces, Buffer.from(`--${boundary}--\r\n`)]),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

/**
 * Starts POST `url` (an import) with these files but sends only the first `count` of them, the request
 * left open: the import runs, halfway, until its server is killed. The server's multipart parser holds
 * a file until the next one's boundary arrives, so `count - 1` of them are added.
 */
export function sendImportHalfway(
  url: string,
  headers: Record<string, string>,
  files: readonly { name: string; content: Buffer | string }[],
  count: number,
): void {
  const body = filesBody(files);
  const boundary = body.headers['content-type'].split('boundary=')[1]!;
  const parts = body.payload.toString('latin1').split(`--${boundary}`);
  const request = httpRequest(url, { method: 'POST', headers: { ...headers, ...body.headers } });
  // The server's end is what the test is about: the request's own error (a reset) is expected.
  request.on('error', () => undefined);
  for (const part of parts.slice(1, count + 1)) request.write(Buffer.from(`--${boundary}${part}`, 'latin1'));
}

/** POST …/imports with these files, as `user`. */
export async function importFiles(
  app: App,
  user: SignedIn,
  sourceId: string,
  files: { name: string; content: Buffer | string }[],
) {
  const body = filesBody(files);
  return app.inject({
    method: 'POST',
    url: `/v1/knowledge-sources/${sourceId}/imports`,
    headers: { ...user.headers, ...body.headers },
    payload: body.payload,
  });
}

/** Every file's outcome of an import, in order. */
export async function importOutcomes(
  app: App,
  user: SignedIn,
  sourceId: string,
  importId: string,
): Promise<ImportFileView[]> {
  const response = await app.inject({
    method: 'GET',
    url: `/v1/knowledge-sources/${sourceId}/imports/${importId}/files?limit=1000`,
    headers: user.headers,
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json().items;
}
