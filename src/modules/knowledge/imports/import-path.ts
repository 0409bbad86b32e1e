import { shortenTo } from '../../../platform/text-cut.js';

const maxPathLength = 500;
// C0/C1 controls, and the bidirectional overrides that can make "txt.exe" read as "exe.txt".
const invisibleOrControl = /[\p{Cc}\u200E\u200F\u202A-\u202E\u2066-\u2069]/gu;

/**
 * A file's place in its folder or zip as a label (`guides/install/setup.md`): separators made `/`, and
 * empty, `.` and `..` parts dropped. It is shown and stored, never used to open a file.
 */
export function cleanImportPath(raw: string): string {
  const parts = raw
    .replace(invisibleOrControl, ' ')
    .split(/[\\/]/)
    .map((part) => part.trim())
    .filter((part) => part !== '' && part !== '.' && part !== '..');
  return shortenTo(parts.join('/'), maxPathLength) || 'Untitled document';
}
