import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { AppError } from '../../platform/errors.js';
import type { OutboundHttp } from '../../platform/outbound/index.js';
import type { FileStorage, StoredFile } from '../../platform/storage/index.js';
import { formatBytes } from '../../platform/format-bytes.js';

/** Up to the response headers; the whole download, headers and body, is bounded by `downloadTimeoutMs`. */
const headersTimeoutMs = 30_000;
/**
 * A page or document arrives in seconds; a server dripping a byte a second would otherwise hold a
 * download (and a worker) for as long as it likes.
 */
export const defaultDownloadTimeoutMs = 30_000;

export interface UrlDownloadDeps {
  readonly outbound: Pick<OutboundHttp, 'fetch'>;
  readonly storage: Pick<FileStorage, 'write'>;
}

/**
 * Fetches a document through the outbound guard (every redirect re-checked) straight into storage, bounded
 * in size and time. Refusals keep the guard's own sentence; other failures say what to check.
 */
export async function downloadToStorage(
  deps: UrlDownloadDeps,
  url: URL,
  maxBytes: number,
  /** Tests shorten it; the server always uses the default. */
  downloadTimeoutMs = defaultDownloadTimeoutMs,
): Promise<StoredFile> {
  const signal = AbortSignal.timeout(downloadTimeoutMs);
  let response: Response;
  try {
    response = await deps.outbound.fetch(url, {
      timeoutMs: headersTimeoutMs,
      signal,
      headers: { accept: 'text/html, application/pdf, text/markdown, text/plain, application/json, */*;q=0.5' },
    });
  } catch (error) {
    throw asDownloadError(error, url, downloadTimeoutMs);
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    throw new AppError(
      'unprocessable',
      `${url.host} answered HTTP ${response.status} for this address; check that the page exists and is public`,
    );
  }
  const declaredBytes = Number(response.headers.get('content-length'));
  if (Number.isFinite(declaredBytes) && declaredBytes > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw new AppError(
      'payload_too_large',
      `The document is larger than the ${formatBytes(maxBytes)} this server accepts`,
    );
  }
  if (!response.body) throw new AppError('unprocessable', `${url.host} sent an empty answer for this address`);
  // The body is read under the same signal: aborted, the stream errors and the write stops.
  try {
    return await deps.storage.write(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), { maxBytes });
  } catch (error) {
    throw asDownloadError(signal.aborted ? signal.reason : error, url, downloadTimeoutMs);
  }
}

function asDownloadError(error: unknown, url: URL, downloadTimeoutMs: number): unknown {
  if (error instanceof AppError) return error;
  const name = (error as { name?: unknown }).name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new AppError(
      'unprocessable',
      `${url.host} did not send the whole document within ${downloadTimeoutMs % 1000 === 0 ? `${downloadTimeoutMs / 1000} s` : `${downloadTimeoutMs} ms`}; try again later, or upload the file instead`,
    );
  }
  return new AppError(
    'unprocessable',
    `The document could not be fetched from ${url.host}; check that the address is reachable from the server`,
    {},
    { cause: error },
  );
}
