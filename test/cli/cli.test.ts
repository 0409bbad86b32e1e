import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/platform/db/client.js';
import { testStorage } from '../harness/test-database.js';
import { migratedDataDir } from './data-dir-template.js';
import { runParley } from './run-parley.js';

/** `parley` with a clean, explicit environment; `prefix` is a command it runs under (setpriv, as another user). */
const parley = (args: string[], env: Record<string, string>, prefix: readonly string[] = []) =>
  runParley(args, { env: { LOG_LEVEL: 'info', ...env }, prefix });

// The CLI tests exercise embedded storage only; one run of them is enough.
// Each test runs `parley` as child processes (the server's start, then migrations on a fresh PGlite unless it starts
// from a copy of a migrated data directory): tens of seconds on a busy machine.
describe.skipIf(testStorage === 'postgres')('parley command', { timeout: 90_000 }, () => {
  it('stops with one line naming the variable when the configuration is wrong', async () => {
    const result = await parley(['serve'], {
      PORT: 'eighty',
      DATA_DIR: mkdtempSync(path.join(tmpdir(), 'parley-cli-')),
    });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('PORT');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('shows the usage for help asked anywhere, even while a setting is wrong', async () => {
    for (const args of [
      ['--help'],
      ['-h'],
      ['help'],
      ['admin', '--help'],
      ['admin', 'create', '-h'],
      ['serve', '--help'],
    ]) {
      const result = await parley(args, { PORT: 'eighty' });
      expect({ args, code: result.code, stderr: result.stderr }).toEqual({ args, code: 0, stderr: '' });
      expect(result.stdout).toMatch(/^Usage: parley <command>\n/);
    }
  }, 120_000);

  it('names HOST or DATA_DIR, in one line, when the server cannot listen there or keep its data there', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'parley-cli-'));
    // Storage opens (and migrates) before the server listens: a migrated copy spares this its first start.
    const host = await parley(['serve'], { HOST: '999.1.1.1', PORT: '0', DATA_DIR: migratedDataDir('parley-cli-') });
    expect(host.code).toBe(1);
    expect(host.stderr.trim().split('\n')).toEqual([
      'parley: Invalid environment variable HOST: 999.1.1.1 is not an address of this machine; set it to one, e.g. 0.0.0.0 or 127.0.0.1',
    ]);

    const file = path.join(root, 'not-a-directory');
    writeFileSync(file, 'x');
    const dataDir = await parley(['serve'], { DATA_DIR: file });
    expect(dataDir.code).toBe(1);
    expect(dataDir.stderr.trim().split('\n')).toEqual([
      `parley: Invalid environment variable DATA_DIR: ${file} is a file, not a directory`,
    ]);
  }, 60_000);

  it('names DATA_DIR, in one line, when this user may only read it', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-cli-'));
    chmodSync(dataDir, 0o555);
    // Root may write anywhere: where the tests run as root, the server runs as nobody.
    const asAnotherUser =
      process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
    const result = await parley(['serve'], { DATA_DIR: dataDir, HOME: '/tmp' }, asAnotherUser);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      `parley: Invalid environment variable DATA_DIR: ${dataDir} is not a usable directory: this user may not create it or write in it`,
    ]);
  }, 60_000);

  it('names DATABASE_URL or REDIS_URL, in one line and without the password, when it cannot reach that server', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'parley-cli-'));
    const database = await parley(['serve'], {
      DATA_DIR: path.join(root, 'a'),
      DATABASE_URL: 'postgres://parley:pw-not-to-print@127.0.0.1:1/parley',
      PARLEY_SECRET_KEY: 'k'.repeat(40),
    });
    expect(database.code).toBe(1);
    expect(database.stderr.trim().split('\n')).toEqual([
      'parley: Cannot reach PostgreSQL at DATABASE_URL (postgres://127.0.0.1:1/parley): nothing is listening there; start it, or correct the host and port',
    ]);
    expect(database.stdout).not.toContain('connected to PostgreSQL');
    expect(database.stdout + database.stderr).not.toContain('pw-not-to-print');

    // Embedded storage opens before Redis is reached: a migrated copy spares this its first start.
    const redis = await parley(['serve'], {
      DATA_DIR: migratedDataDir('parley-cli-'),
      REDIS_URL: 'redis://127.0.0.1:1/9',
    });
    expect(redis.code).toBe(1);
    expect(redis.stderr.trim().split('\n')).toEqual([
      'parley: Cannot reach Redis at REDIS_URL (redis://127.0.0.1:1/9): nothing is listening there; start it, or correct the host and port',
    ]);
  }, 60_000);

  it('refuses to start on PostgreSQL without PARLEY_SECRET_KEY', async () => {
    const result = await parley(['serve'], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('PARLEY_SECRET_KEY');
  });

  it('creates a platform admin with `admin create`, generating the secret on first run', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-cli-'));
    const result = await parley(['admin', 'create', '--email', 'root@example.test', '--password', 'a long password'], {
      DATA_DIR: dataDir,
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('generated a new server secret');
    expect(result.stdout).not.toContain('a long password');
    const database = await openDatabase({ dataDir: path.join(dataDir, 'pglite') });
    try {
      const { rows } = await database.executeSql('select email, role from users');
      expect(rows).toEqual([{ email: 'root@example.test', role: 'platform_admin' }]);
    } finally {
      await database.close();
    }
  });

  it('creates a second platform admin with an address already used, in a tenant of its own (ADR 3)', async () => {
    const dataDir = migratedDataDir('parley-cli-');
    const create = (tenant: string) =>
      parley(['admin', 'create', '--email', 'root@example.test', '--password', 'a long password', '--tenant', tenant], {
        DATA_DIR: dataDir,
      });
    expect((await create('First')).code).toBe(0);
    const second = await create('Second');
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    const database = await openDatabase({ dataDir: path.join(dataDir, 'pglite') });
    try {
      const { rows } = await database.executeSql(
        'select u.email, t.name from users u join tenants t on t.id = u.tenant_id order by t.name',
      );
      expect(rows).toEqual([
        { email: 'root@example.test', name: 'First' },
        { email: 'root@example.test', name: 'Second' },
      ]);
    } finally {
      await database.close();
    }
  });

  it('makes a changed secret the storage’s own with `admin accept-secret`, which serve refused before', async () => {
    const dataDir = migratedDataDir('parley-cli-');
    const created = await parley(['admin', 'create', '--email', 'root@example.test', '--password', 'a long password'], {
      DATA_DIR: dataDir,
    });
    expect(created.code).toBe(0);
    writeFileSync(path.join(dataDir, 'secret.key'), 'a secret the operator chose to change to\n');
    const refused = await parley(['migrate'], { DATA_DIR: dataDir });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^parley: The server secret .* is not the secret the data in .* was made with/);
    const accepted = await parley(['admin', 'accept-secret'], { DATA_DIR: dataDir });
    expect(accepted.code).toBe(0);
    expect(accepted.stdout).toContain('accepted a new server secret');
    expect((await parley(['migrate'], { DATA_DIR: dataDir })).code).toBe(0);
    const unknown = await parley(['admin', 'accept-secret', '--yes'], { DATA_DIR: dataDir });
    expect(unknown.stderr.trim()).toBe(
      'parley: Usage: parley admin create --email <email> --password <password> [--tenant <name>], or parley admin accept-secret',
    );
  }, 60_000);

  it('rejects `admin create` with a short password in one clear line', async () => {
    const result = await parley(['admin', 'create', '--email', 'a@example.test', '--password', 'short'], {
      DATA_DIR: mkdtempSync(path.join(tmpdir(), 'parley-cli-')),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/--password: must be at least 8 characters/);

    const missing = await parley(['admin', 'create', '--email', 'not-an-email'], {
      DATA_DIR: mkdtempSync(path.join(tmpdir(), 'parley-cli-')),
    });
    expect(missing.stderr.trim()).toBe('parley: --email: must be an email address');
    const noPassword = await parley(['admin', 'create', '--email', 'a@example.test'], {
      DATA_DIR: mkdtempSync(path.join(tmpdir(), 'parley-cli-')),
    });
    expect(noPassword.stderr.trim()).toBe('parley: --password: is required');

    const unknown = await parley(['admin', 'create', '--email', 'a@example.test', '--extra', '1'], {
      DATA_DIR: mkdtempSync(path.join(tmpdir(), 'parley-cli-')),
    });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toBe(
      "parley: Unknown option '--extra'. Usage: parley admin create --email <email> --password <password> [--tenant <name>]",
    );

    const usage = 'Usage: parley admin create --email <email> --password <password> [--tenant <name>]';
    const refusals: Array<[string[], string]> = [
      [
        ['--email', 'a@example.test', '--email', 'b@example.test', '--password', 'a long password'],
        `parley: --email is given 2 times; give it once. ${usage}`,
      ],
      [
        ['--email', 'a@example.test', '--password', 'a long password', '--tenant', '   '],
        'parley: --tenant: must not be empty',
      ],
      [
        ['--email', '--password', 'a long password'],
        `parley: Option '--email' argument is ambiguous. Did you forget to specify the option argument for '--email'? To specify an option argument starting with a dash use '--email=-XYZ'. ${usage}`,
      ],
    ];
    for (const [args, said] of refusals) {
      const refused = await parley(['admin', 'create', ...args], {
        DATA_DIR: mkdtempSync(path.join(tmpdir(), 'parley-cli-')),
      });
      expect({ args, code: refused.code, stderr: refused.stderr.trim() }).toEqual({ args, code: 1, stderr: said });
    }
    // Four processes start one after another here; a loaded 2-core machine took over 30 s for them.
  }, 120_000);

  it('refuses options to serve and migrate, whose settings are the environment, naming the way to set them', async () => {
    for (const command of ['serve', 'migrate']) {
      const result = await parley([command, '--port', '4000'], {
        DATA_DIR: mkdtempSync(path.join(tmpdir(), 'parley-cli-')),
      });
      expect(result.code, command).toBe(1);
      expect(result.stderr.trim()).toBe(
        `parley: 'parley ${command}' takes no options (got '--port'): its settings come from the environment, e.g. PORT=4000 parley ${command}; docs/configuration.md lists them`,
      );
    }
  });

  // Three child processes, on a copy of a migrated data directory.
  it('recounts the analytics rollups from the stored rows with `analytics rebuild`', { timeout: 150_000 }, async () => {
    const dataDir = migratedDataDir('parley-cli-');
    expect(
      (
        await parley(['admin', 'create', '--email', 'root@example.test', '--password', 'a long password'], {
          DATA_DIR: dataDir,
        })
      ).code,
    ).toBe(0);
    const database = await openDatabase({ dataDir: path.join(dataDir, 'pglite') });
    let tenantId: string;
    try {
      const { rows } = await database.executeSql('select tenant_id, id from users');
      const user = rows[0] as { tenant_id: string; id: string };
      tenantId = user.tenant_id;
      await database.executeSql(
        `insert into conversations (id, tenant_id, owner_id) values ('0190e3a0-0000-7000-8000-000000000001', $1, $2)`,
        [user.tenant_id, user.id],
      );
      await database.executeSql(
        `insert into messages (id, tenant_id, conversation_id, role, content, status, created_at)
         values ('0190e3a0-0000-7000-8000-000000000002', $1, '0190e3a0-0000-7000-8000-000000000001', 'user', 'hi', 'complete', '2026-03-02T10:00:00Z')`,
        [user.tenant_id],
      );
      // Only a rebuild can bring these back: the notes of the writes are gone too.
      await database.executeSql('delete from analytics_changes');
    } finally {
      await database.close();
    }
    const unknown = await parley(['analytics', 'rebuild', '--tenant', '0190e3a0-0000-7000-8000-0000000000ff'], {
      DATA_DIR: dataDir,
    });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toBe("parley: Tenant '0190e3a0-0000-7000-8000-0000000000ff' was not found");
    const rebuilt = await parley(['analytics', 'rebuild'], { DATA_DIR: dataDir });
    expect(rebuilt.code).toBe(0);
    expect(rebuilt.stdout).toContain('analytics rollups rebuilt');
    const after = await openDatabase({ dataDir: path.join(dataDir, 'pglite') });
    try {
      const { rows } = await after.executeSql(
        `select to_char(day, 'YYYY-MM-DD') as day, user_messages from analytics_daily_messages where tenant_id = $1`,
        [tenantId],
      );
      expect(rows).toEqual([{ day: '2026-03-02', user_messages: 1 }]);
    } finally {
      await after.close();
    }
  });

  it('refuses `analytics` without `rebuild`, and a tenant that is not an id, in one clear line', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-cli-'));
    const bare = await parley(['analytics'], { DATA_DIR: dataDir });
    expect(bare.code).toBe(1);
    expect(bare.stderr.trim()).toBe('parley: Usage: parley analytics rebuild [--tenant <tenant id>]');
    const notAnId = await parley(['analytics', 'rebuild', '--tenant', 'Acme'], { DATA_DIR: dataDir });
    expect(notAnId.code).toBe(1);
    expect(notAnId.stderr.trim()).toBe(
      "parley: --tenant must be a tenant id (a UUID), got 'Acme'. Usage: parley analytics rebuild [--tenant <tenant id>]",
    );
  });
});
