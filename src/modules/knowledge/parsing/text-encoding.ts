const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The bytes as text, without a byte-order mark. A byte-order mark says UTF-16; bytes that are valid
 * UTF-8 are UTF-8 (plain ASCII included); anything else is read as Windows-1252, the 8-bit encoding of
 * text saved by older Windows programs and spreadsheets (Latin-1 for printable characters, and more).
 * Binary also decodes as Windows-1252: `looksLikeText` refuses it. `isHead` says the bytes may stop
 * inside a multi-byte character.
 */
export function decodeText(bytes: Uint8Array, isHead = false): string {
  // Not fatal: a head may cut a UTF-16 character in two, and its replacement is harmless.
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes);
  // Decoded once: the strict decoder's text is the answer when it succeeds. A head may end inside a
  // multi-byte character, so it is tried again without up to three trailing bytes.
  for (let cut = 0; cut <= (isHead ? 3 : 0) && cut < bytes.length; cut += 1) {
    try {
      return strictUtf8.decode(bytes.subarray(0, bytes.length - cut));
    } catch {
      // not UTF-8 at this length
    }
  }
  return decodeWindows1252(bytes);
}

/**
 * Windows-1252's characters for bytes 0x80–0x9F (€, curly quotes, dashes…); the other bytes are
 * Latin-1's. Done here because Node 20's TextDecoder decodes the 'windows-1252' label as Latin-1,
 * turning these bytes into invisible control characters. 0x81, 0x8D, 0x8F, 0x90 and 0x9D are unassigned.
 */
const windows1252High =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

function decodeWindows1252(bytes: Uint8Array): string {
  const latin1 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  return latin1.replace(/[\u0080-\u009f]/g, (char) => windows1252High[char.charCodeAt(0) - 0x80]!);
}

/**
 * Whether a decoded head reads as text: not blank, no NUL, and at most 1 % control characters,
 * C1 controls and replacement characters (what binary looks like through Windows-1252 or UTF-16).
 */
export function looksLikeText(text: string): boolean {
  if (text.trim().length === 0) return false;
  let controls = 0;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code === 0) return false;
    const isControl =
      code < 32 ? code !== 9 && code !== 10 && code !== 12 && code !== 13 : code >= 0x7f && code <= 0x9f;
    if (isControl || code === 0xfffd) controls += 1;
  }
  return controls / text.length <= 0.01;
}
