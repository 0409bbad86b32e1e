/**
 * A Latin letter with accents as its letter alone ("é" → "e", "Ł" → "L"), character for character, so
 * "cafe" finds "café" and "resume" finds "résumé", as people type them. The length stays the same, so
 * text folded to be matched keeps its offsets for marking the match in the original. Letters that are two in ASCII ("ß", "æ") stay
 * as they are, and so do other scripts, where a mark can make another letter (Russian "й" is not "и").
 */
const foldedLatin: ReadonlyMap<string, string> = (() => {
  const folded = new Map<string, string>([
    ['ø', 'o'],
    ['Ø', 'O'],
    ['ł', 'l'],
    ['Ł', 'L'],
    ['đ', 'd'],
    ['Đ', 'D'],
    ['ħ', 'h'],
    ['Ħ', 'H'],
    ['ı', 'i'],
  ]);
  for (const [first, last] of [
    [0xc0, 0x24f],
    [0x1e00, 0x1eff],
  ] as const) {
    for (let code = first; code <= last; code += 1) {
      const [letter, ...marks] = String.fromCharCode(code).normalize('NFD');
      const onlyAccents = marks.length > 0 && marks.every((mark) => mark >= '\u0300' && mark <= '\u036f');
      if (onlyAccents && /^[A-Za-z]$/.test(letter!)) folded.set(String.fromCharCode(code), letter!);
    }
  }
  return folded;
})();
const accentedLatin = new RegExp(`[${[...foldedLatin.keys()].join('')}]`, 'g');

export function foldLatinAccents(text: string): string {
  return text.replace(accentedLatin, (letter) => foldedLatin.get(letter)!);
}
