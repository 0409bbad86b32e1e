import { describe, expect, it } from 'vitest';
import { cleanTitle, maxTitleLength, titleFromFilename, titleFromUrl } from './document-title.js';

describe('document titles', () => {
  it.each([
    ['../../x', 'x'],
    ['..\\..\\windows\\system.ini', 'system.ini'],
    ['/etc/passwd', 'passwd'],
    ['report.pdf', 'report.pdf'],
    ['a\u0000b\u0007c.txt', 'a b c.txt'],
    ['evil\u202Etxt.exe', 'evil txt.exe'],
    // A browser's form encoding of `"` and a line break.
    ['تقرير %22ربع%22 سنوي.txt', 'تقرير "ربع" سنوي.txt'],
    ['two%0D%0Alines.txt', 'two lines.txt'],
    ['100%25 sure.txt', '100%25 sure.txt'],
    ['../..', 'Untitled document'],
    ['', 'Untitled document'],
    [undefined, 'Untitled document'],
  ])('takes only the last part of the file name %j without controls', (filename, expected) => {
    expect(titleFromFilename(filename)).toBe(expected);
  });

  it('bounds the length, counting characters rather than UTF-16 units', () => {
    const title = cleanTitle('😀'.repeat(500));
    expect(Array.from(title)).toHaveLength(maxTitleLength);
    expect(title.endsWith('…')).toBe(true);
  });

  it('labels a URL by its last path segment, else its host', () => {
    expect(titleFromUrl(new URL('https://example.com/docs/Getting%20started.html'))).toBe('Getting started.html');
    expect(titleFromUrl(new URL('https://example.com/'))).toBe('example.com');
    expect(titleFromUrl(new URL('https://example.com/%E0%A4%A'))).toBe('%E0%A4%A');
  });
});
