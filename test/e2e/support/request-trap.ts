import { startFakeHttpServer, type RecordedRequest } from '../../fakes/fake-http-server.js';

export interface RequestTrap {
  /** `http://127.0.0.1:{port}`: a host nothing should ever contact. */
  readonly url: string;
  readonly host: string;
  readonly requests: readonly RecordedRequest[];
  close(): Promise<void>;
}

/**
 * A listening server that records every request and answers with a 1×1 GIF. A test points untrusted
 * content (an image in a model reply) at it; if anything rendered that content, the hit is recorded here
 * even when the browser's own request events were missed.
 */
export async function startRequestTrap(): Promise<RequestTrap> {
  const pixel = Buffer.from('R0lGODlhAQABAAAAACwAAAAAAQABAAA=', 'base64');
  const server = await startFakeHttpServer(async ({ response }) => {
    response.writeHead(200, { 'content-type': 'image/gif', 'access-control-allow-origin': '*' });
    response.end(pixel);
  });
  return { url: server.url, host: new URL(server.url).host, requests: server.requests, close: server.close };
}
