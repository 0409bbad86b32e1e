import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutboundHttp } from '../../platform/outbound/index.js';
import { createDirectoryStorage } from '../../platform/storage/directory-storage.js';
import { defaultDownloadTimeoutMs, downloadToStorage } from './url-download.js';

describe('URL download', () => {
  let server: Server;
  let origin: string;
  let storageRoot: string;
  const outbound = createOutboundHttp({ allowList: ['127.0.0.1'] });

  beforeAll(async () => {
    // A server that answers at once, then drips its body one byte every 50 ms, for ever.
    server = createServer((request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      if (request.url === '/whole') {
        response.end('a whole page');
        return;
      }
      const drip = setInterval(() => response.write('x'), 50);
      response.on('close', () => clearInterval(drip));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    storageRoot = mkdtempSync(path.join(tmpdir(), 'parley-url-download-'));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await outbound.close();
    rmSync(storageRoot, { recursive: true, force: true });
  });

  const deps = () => ({ outbound, storage: createDirectoryStorage(storageRoot) });

  it('reads a whole document for 30 s at most, headers and body together', () => {
    expect(defaultDownloadTimeoutMs).toBe(30_000);
  });

  it('cuts a server that drips its body at the deadline, with a sentence saying so', async () => {
    const download = downloadToStorage(deps(), new URL(`${origin}/drip`), 1_000_000, 600);
    await expect(download).rejects.toMatchObject({
      code: 'unprocessable',
      message: `127.0.0.1:${new URL(origin).port} did not send the whole document within 600 ms; try again later, or upload the file instead`,
    });
  });

  it('stores a document that arrives within the deadline', async () => {
    const stored = await downloadToStorage(deps(), new URL(`${origin}/whole`), 1_000_000, 600);
    expect(stored.byteSize).toBe('a whole page'.length);
  });
});
