import type yauzl from 'yauzl';

/**
 * Why an entry is refused before its bytes are read, or undefined for a plain file this server can
 * inflate. Encrypted entries and compression methods other than stored and deflate cannot
 * be read at all.
 */
export function entryRefusal(entry: yauzl.Entry): string | undefined {
  if (entry.isEncrypted()) return 'The file is encrypted in its zip; zip it again without a password';
  if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
    return `The file is compressed in a way this server does not read (method ${entry.compressionMethod}); zip it again with the usual compression (deflate)`;
  }
  return undefined;
}
