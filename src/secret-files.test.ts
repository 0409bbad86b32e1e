import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { loadSecretFiles } from './secret-files.js';

const dir = mkdtempSync(path.join(tmpdir(), 'parley-secret-files-'));
const fileWith = (name: string, text: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
};

describe('settings from files (NAME_FILE)', () => {
  it('reads a secret and a database URL from their files, without the final line break', () => {
    const env: NodeJS.ProcessEnv = {
      PARLEY_SECRET_KEY_FILE: fileWith('secret', `${'k'.repeat(40)}\n`),
      DATABASE_URL_FILE: fileWith('db', 'postgres://parley:p%40ss@db:5432/parley\r\n'),
      OPENAI_API_KEY_FILE: fileWith('openai', 'sk-from-a-file'),
    };
    loadSecretFiles(env);
    const config = loadConfig({ ...env, DATA_DIR: dir });
    expect(config.secretKey).toBe('k'.repeat(40));
    expect(config.databaseUrl).toBe('postgres://parley:p%40ss@db:5432/parley');
    expect(config.providers.openai?.apiKey).toBe('sk-from-a-file');
  });

  it('refuses both NAME and NAME_FILE, a missing file and an empty one, naming the file and not its contents', () => {
    const both = { REDIS_URL: 'redis://a', REDIS_URL_FILE: fileWith('redis', 'redis://b') };
    expect(() => loadSecretFiles(both)).toThrow('Both REDIS_URL and REDIS_URL_FILE are set; keep one of them');
    const missing = path.join(dir, 'nope');
    expect(() => loadSecretFiles({ COHERE_API_KEY_FILE: missing })).toThrow(
      `Invalid environment variable COHERE_API_KEY_FILE: cannot read ${missing} (ENOENT)`,
    );
    const empty = fileWith('empty', '\n');
    expect(() => loadSecretFiles({ ANTHROPIC_API_KEY_FILE: empty })).toThrow(`${empty} is empty`);
  });

  it('leaves settings that cannot come from a file alone', () => {
    const env: NodeJS.ProcessEnv = { PORT_FILE: fileWith('port', '4000') };
    loadSecretFiles(env);
    expect(env.PORT).toBeUndefined();
  });
});
