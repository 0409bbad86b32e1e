import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { testStorage } from '../harness/test-database.js';
import { migratedDataDir } from './data-dir-template.js';
import { runParley } from './run-parley.js';

const parley = (args: string[], env: Record<string, string>) =>
  runParley(args, { env: { LOG_LEVEL: 'warn', ...env }, timeoutMs: 60_000 });

/** A new DATA_DIR holding only `secret.key` (the secret a restore needs), or nothing. */
function emptyDataDir(secretFrom?: string): string {
  const dataDir = path.join(mkdtempSync(path.join(tmpdir(), 'parley-restore-')), 'data');
  mkdirSync(dataDir, { mode: 0o700 });
  if (secretFrom) copyFileSync(path.join(secretFrom, 'secret.key'), path.join(dataDir, 'secret.key'));
  return dataDir;
}

/** The one line `parley` printed on stderr, exit code 1: no stack trace, no JSON log. */
function refusal(run: { code: number; stderr: string }): string {
  expect(run.code).toBe(1);
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
  return run.stderr.trim();
}

// `parley` processes on embedded storage; the PostgreSQL advice needs no database.
describe.skipIf(testStorage === 'postgres')('parley backup and restore, one by one', { timeout: 120_000 }, () => {
  let sourceDir: string;
  let backupFile: string;
  const folder = mkdtempSync(path.join(tmpdir(), 'parley-backups-'));

  beforeAll(async () => {
    sourceDir = migratedDataDir('parley-backup-offline-');
    backupFile = path.join(folder, 'offline.tgz');
    // No server runs on it: the command claims the data directory itself.
    const made = await parley(['backup', backupFile], { DATA_DIR: sourceDir });
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toMatch(/^parley: backed up DATA_DIR \(no server was running\) to /);
  }, 120_000);

  it('backs up a data directory no server runs on, and restores it into an empty one that only holds the secret', async () => {
    expect(readdirSync(folder)).toEqual(['offline.tgz']);
    const dataDir = emptyDataDir(sourceDir);
    const restored = await parley(['restore', backupFile], { DATA_DIR: dataDir });
    expect(restored.code, restored.stderr).toBe(0);
    expect(readdirSync(dataDir).sort()).toEqual(['files', 'pglite', 'secret.key']);
    expect(readFileSync(path.join(dataDir, 'pglite', 'PG_VERSION'), 'utf8').trim()).toMatch(/^\d+$/);
  });

  // The commands of each test run side by side: each is a process of its own, about a second to start.
  it('refuses a missing file argument, an option, and a backup file that exists already', async () => {
    const env = { DATA_DIR: sourceDir };
    const [noFile, option, existing] = await Promise.all([
      parley(['backup'], env),
      parley(['restore', '--force', 'x.tgz'], env),
      parley(['backup', backupFile], env),
    ]);
    expect(refusal(noFile)).toBe('parley: parley backup needs the file to write the backup to: parley backup <file>');
    expect(refusal(option)).toBe(
      "parley: parley restore takes one file and no options (got '--force x.tgz'): parley restore <file>",
    );
    expect(refusal(existing)).toBe(
      `parley: The file ${backupFile} already exists: parley backup never writes over a file; name a new one`,
    );
  });

  it('refuses a file it cannot read, and one that is not a Parley backup, leaving DATA_DIR as it was', async () => {
    const missing = path.join(folder, 'missing.tgz');
    const text = path.join(folder, 'notes.txt');
    writeFileSync(text, 'not a backup\n');
    const gzippedText = path.join(folder, 'notes.txt.gz');
    writeFileSync(gzippedText, gzipSync(Buffer.alloc(4096, 'not a tar archive ')));
    const cut = path.join(folder, 'cut.tgz');
    copyFileSync(backupFile, cut);
    truncateSync(cut, 200_000);
    const dataDirs = [missing, text, gzippedText, cut].map(() => emptyDataDir(sourceDir));
    const runs = await Promise.all(
      [missing, text, gzippedText, cut].map((file, index) => parley(['restore', file], { DATA_DIR: dataDirs[index]! })),
    );
    expect(runs.map(refusal)).toEqual([
      `parley: Cannot read the backup ${missing}: there is no such file`,
      `parley: The backup ${text} is not a Parley backup (it is not a gzip file)`,
      expect.stringMatching(
        /^parley: The backup .*notes\.txt\.gz cannot be restored: it is not a tar archive, or is damaged/,
      ),
      `parley: The backup ${cut} is cut short (it ends inside its compressed data): it cannot be restored`,
    ]);
    for (const dataDir of dataDirs) expect(readdirSync(dataDir)).toEqual(['secret.key']);
  });

  it('refuses a DATA_DIR that is not empty, a backup of another secret, and a restore without the secret', async () => {
    const noSecret = emptyDataDir();
    const [notEmpty, otherSecret, withoutSecret] = await Promise.all([
      parley(['restore', backupFile], { DATA_DIR: sourceDir }),
      parley(['restore', backupFile], {
        DATA_DIR: emptyDataDir(),
        PARLEY_SECRET_KEY: 'another secret of at least thirty-two characters',
      }),
      parley(['restore', backupFile], { DATA_DIR: noSecret }),
    ]);
    expect(refusal(notEmpty)).toMatch(
      /^parley: DATA_DIR .* is not empty \(it holds .*pglite.*\): parley restore only fills an empty directory, so that nothing is overwritten; set DATA_DIR to a new directory, or move its contents away first$/,
    );
    expect(refusal(otherSecret)).toBe(
      `parley: The backup ${backupFile} was made with another server secret than PARLEY_SECRET_KEY: restored with this one, the server could not read its sessions or stored provider keys; give the secret of the server that made the backup (PARLEY_SECRET_KEY, or its secret.key in DATA_DIR) and run parley restore again`,
    );
    expect(refusal(withoutSecret)).toBe(
      `parley: parley restore needs the server secret the backup was made with, which a backup never holds: set PARLEY_SECRET_KEY to it, or copy that server's secret.key into ${noSecret}`,
    );
    expect(readdirSync(noSecret)).toEqual([]);
  });

  it('says on PostgreSQL what to run instead, and writes nothing', async () => {
    const env = {
      DATA_DIR: emptyDataDir(),
      DATABASE_URL: 'postgres://parley@db.invalid/parley',
      PARLEY_SECRET_KEY: 'a secret of at least thirty-two characters here',
    };
    const target = path.join(folder, 'postgres.dump');
    const [backup, restore] = await Promise.all([parley(['backup', target], env), parley(['restore', target], env)]);
    expect(backup.code).toBe(1);
    expect(backup.stderr).toContain(`pg_dump --format=custom --file=${target} "$DATABASE_URL"`);
    expect(backup.stderr).toContain(`-czf ${target}.files.tgz files`);
    expect(existsSync(target)).toBe(false);
    expect(restore.code).toBe(1);
    expect(restore.stderr).toContain(`pg_restore --no-owner --dbname="$DATABASE_URL" ${target}`);
  });
});
