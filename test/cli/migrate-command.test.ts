import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/platform/db/client.js';
import { areMigrationsApplied } from '../../src/platform/db/migrate.js';
import { testStorage } from '../harness/test-database.js';
import { runParley } from './run-parley.js';

/** Whether the embedded database under `dataDir` has every migration and the tables they create. */
async function inspectEmbedded(dataDir: string) {
  const database = await openDatabase({ dataDir: path.join(dataDir, 'pglite') });
  try {
    const { rows } = await database.executeSql(
      `select table_name from information_schema.tables where table_schema = 'public' and table_name in ('users', 'tenants', 'refresh_tokens') order by table_name`,
    );
    return {
      isMigrated: await areMigrationsApplied(database),
      tables: (rows as Array<{ table_name: string }>).map((row) => row.table_name),
    };
  } finally {
    await database.close();
  }
}

const logMessages = (stdout: string): string[] =>
  stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => (JSON.parse(line) as { msg: string }).msg);

// The command runs on embedded storage in a child process; one run of it is enough.
describe.skipIf(testStorage === 'postgres')('parley migrate', () => {
  it('applies every migration to a fresh DATA_DIR and exits 0', async () => {
    const dataDir = path.join(mkdtempSync(path.join(tmpdir(), 'parley-migrate-')), 'data');
    const result = await runParley(['migrate'], { cwd: path.resolve('.'), env: { DATA_DIR: dataDir, LOG_LEVEL: 'info' } });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(logMessages(result.stdout)).toEqual(
      expect.arrayContaining(['opened embedded storage', 'applied database migrations']),
    );
    expect(await inspectEmbedded(dataDir)).toEqual({
      isMigrated: true,
      tables: ['refresh_tokens', 'tenants', 'users'],
    });

    // A second run finds nothing to do and still succeeds.
    const again = await runParley(['migrate'], { cwd: path.resolve('.'), env: { DATA_DIR: dataDir, LOG_LEVEL: 'info' } });
    expect(again.code).toBe(0);
    expect(logMessages(again.stdout)).toContain('database schema is up to date');
  }, 120_000);

  it('refuses, in one line, a DATA_DIR whose database another process has open', async () => {
    const dataDir = path.join(mkdtempSync(path.join(tmpdir(), 'parley-migrate-')), 'data');
    // This test's process holds the directory, as a running server would.
    const database = await openDatabase({ dataDir: path.join(dataDir, 'pglite') });
    try {
      const result = await runParley(['migrate'], {
        cwd: path.resolve('.'),
        env: { DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
      });
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n')).toEqual([
        expect.stringContaining(`is in use by process ${process.pid}`),
      ]);
      expect(result.stderr).toContain('set DATA_DIR to another directory');
      // Refused before it wrote anything there: no secret of its own beside the holder's data.
      expect(existsSync(path.join(dataDir, 'secret.key'))).toBe(false);
    } finally {
      await database.close();
    }
    // Once the holder has closed it, the directory is free again.
    const after = await runParley(['migrate'], { cwd: path.resolve('.'), env: { DATA_DIR: dataDir, LOG_LEVEL: 'warn' } });
    expect(after.code).toBe(0);
  }, 120_000);

  it('reads a .env file in the working directory, with the environment taking precedence', async () => {
    const workDir = mkdtempSync(path.join(tmpdir(), 'parley-dotenv-'));
    writeFileSync(
      path.join(workDir, '.env'),
      ['# read at start-up', 'DATA_DIR=./data-from-dotenv', 'LOG_LEVEL=silent', ''].join('\n'),
    );
    // DATA_DIR comes only from .env; LOG_LEVEL is in both, and the environment's value must win.
    const result = await runParley(['migrate'], { cwd: workDir, env: { LOG_LEVEL: 'info' } });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(logMessages(result.stdout)).toContain('applied database migrations');

    const dataDir = path.join(workDir, 'data-from-dotenv');
    expect(existsSync(path.join(dataDir, 'secret.key'))).toBe(true);
    expect(existsSync(path.join(workDir, 'data'))).toBe(false); // not the default ./data
    expect((await inspectEmbedded(dataDir)).isMigrated).toBe(true);
  }, 120_000);

  it('stops with one line naming the variable when the .env file holds a wrong value', async () => {
    const workDir = mkdtempSync(path.join(tmpdir(), 'parley-dotenv-'));
    writeFileSync(path.join(workDir, '.env'), 'SIGNUP_MODE=everyone\n');
    const result = await runParley(['migrate'], { cwd: workDir, env: {} });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('SIGNUP_MODE');
  });
});
