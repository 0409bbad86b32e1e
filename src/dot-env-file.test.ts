import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadDotEnv } from './dot-env-file.js';

const names = ['PARLEY_T_FIRST', 'PARLEY_T_SECOND', 'PARLEY_T_MULTI', 'PARLEY_T_SET'];

function envFile(text: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'parley-dotenv-')), '.env');
  writeFileSync(file, text);
  return file;
}

describe('the .env file', () => {
  afterEach(() => {
    for (const name of names) delete process.env[name];
  });

  it('reads the first line of a file saved with a byte-order mark and CRLF line ends', () => {
    loadDotEnv(envFile('\uFEFFPARLEY_T_FIRST=postgres://db/x\r\nexport PARLEY_T_SECOND="two"\r\n'));
    expect(process.env.PARLEY_T_FIRST).toBe('postgres://db/x');
    expect(process.env.PARLEY_T_SECOND).toBe('two');
  });

  it('refuses a line that is not NAME=value, naming its number but not its text', () => {
    const file = envFile('# settings\nPARLEY_T_FIRST=1\nsk-pasted-here\nPARLEY_T_SECOND=2\n');
    expect(() => loadDotEnv(file)).toThrow(
      `The environment file ${file} has a line that is not NAME=value (line 3): fix it, or make it a comment with #`,
    );
    try {
      loadDotEnv(file);
    } catch (error) {
      expect((error as Error).message).not.toContain('sk-pasted-here');
    }
    expect(process.env.PARLEY_T_SECOND).toBeUndefined();
  });

  it('reads an assignment after an indented comment, and one written export with two spaces', () => {
    loadDotEnv(envFile('# settings\n  # indented note\nPARLEY_T_FIRST=kept\nexport  PARLEY_T_SECOND=named\n'));
    expect(process.env.PARLEY_T_FIRST).toBe('kept');
    expect(process.env.PARLEY_T_SECOND).toBe('named');
  });

  it('takes a quoted value over several lines, and leaves what the environment set', () => {
    process.env.PARLEY_T_SET = 'from the environment';
    loadDotEnv(envFile('PARLEY_T_MULTI="line one\nline two"\nPARLEY_T_SET=from the file\nPARLEY_T_FIRST = spaced\n'));
    expect(process.env.PARLEY_T_MULTI).toBe('line one\nline two');
    expect(process.env.PARLEY_T_SET).toBe('from the environment');
    expect(process.env.PARLEY_T_FIRST).toBe('spaced');
  });
});
