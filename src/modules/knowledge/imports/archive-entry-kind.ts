import type yauzl from 'yauzl';

/** Hosts whose zips carry a Unix mode in the high half of the external attributes (Unix, macOS). */
const unixHosts = new Set([3, 19]);

const fileTypeMask = 0o170000;
const regularFile = 0o100000;
const otherFileTypes: ReadonlyMap<number, string> = new Map([
  [0o040000, 'a folder'],
  [0o010000, 'a named pipe'],
  [0o020000, 'a character device'],
  [0o060000, 'a block device'],
  [0o140000, 'a socket'],
]);

/**
 * Why an entry is refused before its bytes are read, or undefined for a plain file this server can
 * inflate. A symbolic link's bytes are the path it points to: imported, they became a document whose
 * text was that path. Encrypted entries and compression methods other than stored and deflate cannot
 * be read at all.
 */
export function entryRefusal(entry: yauzl.Entry): string | undefined {
  const host = entry.versionMadeBy >>> 8;
  const fileType = (entry.externalFileAttributes >>> 16) & fileTypeMask;
  if (unixHosts.has(host) && fileType !== 0 && fileType !== regularFile) {
    if (fileType === 0o120000) return 'The entry is a symbolic link, not a file; zip the file it points to instead';
    const kind = otherFileTypes.get(fileType) ?? 'of an unknown kind';
    return `The entry is ${kind}, not a regular file; only files are imported`;
  }
  if (entry.isEncrypted()) return 'The file is encrypted in its zip; zip it again without a password';
  if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
    return `The file is compressed in a way this server does not read (method ${entry.compressionMethod}); zip it again with the usual compression (deflate)`;
  }
  return undefined;
}
