import { shortenTo } from '../../platform/text-cut.js';

/** What the delivery log keeps of an answer. */
const excerptCharacters = 500;
const excerptReadBytes = 4096;

/** The start of the answer, read no further than a few kilobytes. */
export async function readExcerpt(response: Response): Promise<string | null> {
  if (!response.body) return null;
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < excerptReadBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // An answer cut off mid-body still has a status; what was read is kept.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const text = Buffer.concat(chunks).subarray(0, excerptReadBytes).toString('utf8');
  const readable = text.replaceAll('\u0000', '');
  return readable === '' ? null : shortenTo(readable, excerptCharacters);
}
