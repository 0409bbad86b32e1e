import { shortenTo } from '../../platform/text-cut.js';

/** A document's title is a label a person reads; it is never used as a path. */
export const maxTitleLength = 200;
const untitled = 'Untitled document';

// C0/C1 controls, and the bidirectional overrides that can make "txt.exe" read as "exe.txt".
const invisibleOrControl = /[\p{Cc}\u200E\u200F\u202A-\u202E\u2066-\u2069]/gu;

/** Whitespace collapsed, controls removed, bounded; an empty result gets a neutral label. */
export function cleanTitle(text: string | undefined): string {
  const cleaned = (text ?? '').replace(invisibleOrControl, ' ').replace(/\s+/g, ' ').trim();
  if (!cleaned) return untitled;
  return shortenTo(cleaned, maxTitleLength);
}

/**
 * What browsers (and curl) write for `"`, CR and LF in a multipart file name, as the HTML standard says:
 * read back, so `report "Q3".txt` is not titled `report %22Q3%22.txt`.
 */
const formEscapes = /%(22|0D|0A)/gi;

/** The last part of an uploaded file's name: `../../x` and `C:\docs\x` both become `x`. */
export function titleFromFilename(filename: string | undefined): string {
  const lastPart = (filename ?? '')
    .replace(formEscapes, (_escape, code: string) => String.fromCharCode(Number.parseInt(code, 16)))
    .split(/[\\/]/)
    .filter((part) => part !== '' && part !== '.' && part !== '..')
    .at(-1);
  return cleanTitle(lastPart);
}

/** Until the page's own title is known: the last path segment, else the host. */
export function titleFromUrl(url: URL): string {
  const lastSegment = url.pathname.split('/').filter(Boolean).at(-1);
  let decoded = lastSegment;
  try {
    decoded = lastSegment && decodeURIComponent(lastSegment);
  } catch {
    // A malformed escape stays as written.
  }
  return cleanTitle(decoded || url.hostname);
}
