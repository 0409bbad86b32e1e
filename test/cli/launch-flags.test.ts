import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** `node` flags of a command line, e.g. the start script's `node --a --b dist/main.js serve`. */
function nodeFlags(commandLine: string): string[] {
  return commandLine.split(/\s+/).filter((word) => word.startsWith('--'));
}

describe('how the server is launched', () => {
  const startScript = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { start: string } }).scripts
    .start;
  const shebang = readFileSync('bin/parley.js', 'utf8').split('\n')[0] ?? '';

  it('gives `parley serve` the same Node flags as `npm start`', () => {
    expect(shebang).toMatch(/^#!\/usr\/bin\/env -S node /);
    expect(nodeFlags(shebang)).toEqual(nodeFlags(startScript));
  });
});
