import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/platform/logger.js';
import { newId } from '../../src/platform/ids.js';
import { openRuntime } from '../../src/platform/runtime.js';
import { encryptSecret } from '../../src/platform/secrets.js';
import { buildTestApp } from '../harness/test-app.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { testStorage } from '../harness/test-database.js';
import { migratedDataDir } from './data-dir-template.js';
import { spawnServe, waitForReady } from './server-process.js';

const secretLogMessage = 'generated a new server secret (signing and encryption keys) in the data directory';

interface RunningServer {
  readonly baseUrl: string;
  readonly child: ChildProcess;
  /** Everything the server logged so far. */
  output(): string;
  stop(): Promise<number | null>;
}

/** `parley serve` on embedded storage in DATA_DIR, as a real process; resolves once /ready answers. */
async function startServer(dataDir: string, extraEnv: Record<string, string>): Promise<RunningServer> {
  const { child, baseUrl } = await spawnServe({ dataDir, env: { LOG_LEVEL: 'info', ...extraEnv } });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  try {
    await waitForReady(baseUrl, child);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`the server did not start:\n${output}`, { cause: error });
  }
  return {
    baseUrl,
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null) return child.exitCode;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      return code;
    },
  };
}

async function call<T = { id: string }>(
  baseUrl: string,
  method: string,
  url: string,
  body?: object,
  accessToken?: string,
) {
  const response = await fetch(`${baseUrl}${url}`, {
    method,
    headers: {
      ...(body && { 'content-type': 'application/json' }),
      ...(accessToken && { authorization: `Bearer ${accessToken}` }),
    },
    ...(body && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, json: (text ? JSON.parse(text) : null) as T };
}

// Two real server processes on one embedded data directory; the secret file is an embedded-mode feature.
describe.skipIf(testStorage === 'postgres')('the generated server secret', () => {
  let fake: FakeOpenAIServer;
  const servers: RunningServer[] = [];
  beforeAll(async () => {
    fake = await startFakeOpenAIServer({ replyTokens: ['Still', ' decrypted'] });
  });
  afterAll(async () => {
    for (const server of servers) if (server.child.exitCode === null) server.child.kill('SIGKILL');
    await fake.close();
  });

  it('is written to DATA_DIR on first start with a log line, and reused after a restart', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-secret-'));
    const secretFile = path.join(dataDir, 'secret.key');
    // The tenant's provider below is a fake on 127.0.0.1, which the outbound guard refuses by default.
    const env = { OUTBOUND_ALLOW: '127.0.0.1' };

    const first = await startServer(dataDir, env);
    servers.push(first);
    const generated = first
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg: string; file?: string; level: number })
      .filter((entry) => entry.msg === secretLogMessage);
    expect(generated).toEqual([expect.objectContaining({ file: secretFile, level: 30 })]);
    const secret = readFileSync(secretFile, 'utf8');
    expect(secret).toMatch(/^[0-9a-f]{64}\n$/);
    expect(statSync(secretFile).mode & 0o777).toBe(0o600);
    expect(first.output()).not.toContain(secret.trim());

    // Before the restart: a session, and a provider key stored encrypted with the derived key.
    const session = await call<{ accessToken: string; refreshToken: string }>(
      first.baseUrl,
      'POST',
      '/v1/auth/register',
      {
        email: 'restart@example.test',
        password: 'a long password',
      },
    );
    expect(session.status).toBe(201);
    const { accessToken, refreshToken } = session.json;
    const providerKey = 'sk-tenant-key-kept-across-restarts';
    const provider = await call(
      first.baseUrl,
      'POST',
      '/v1/providers',
      { name: 'mine', kind: 'openai', baseUrl: fake.baseUrl, apiKey: providerKey },
      accessToken,
    );
    expect(provider.status).toBe(201);
    const agent = await call(
      first.baseUrl,
      'POST',
      '/v1/agents',
      { name: 'Kept', model: 'mine:gpt-4o-mini' },
      accessToken,
    );
    expect(agent.status).toBe(201);
    expect(await first.stop()).toBe(0);

    const second = await startServer(dataDir, env);
    servers.push(second);
    expect(second.output()).not.toContain(secretLogMessage);
    expect(readFileSync(secretFile, 'utf8')).toBe(secret);

    // Tokens signed before the restart are still valid: the signing key is the same.
    const me = await call<{ user: unknown }>(second.baseUrl, 'GET', '/v1/auth/me', undefined, accessToken);
    expect(me.status).toBe(200);
    expect(me.json.user).toMatchObject({ email: 'restart@example.test', role: 'platform_admin' });
    const refreshed = await call(second.baseUrl, 'POST', '/v1/auth/refresh', { refreshToken });
    expect(refreshed.status).toBe(200);

    // The provider key stored before the restart still decrypts, so the turn reaches the provider with it.
    const conversation = await call(
      second.baseUrl,
      'POST',
      '/v1/conversations',
      { agentId: agent.json.id },
      accessToken,
    );
    expect(conversation.status).toBe(201);
    const turn = await call<{ assistantMessage: unknown }>(
      second.baseUrl,
      'POST',
      `/v1/conversations/${conversation.json.id}/messages`,
      { content: 'Are you there?' },
      accessToken,
    );
    expect(turn.status).toBe(201);
    expect(turn.json.assistantMessage).toMatchObject({ status: 'complete', content: 'Still decrypted' });
    expect(fake.lastRequest().headers.authorization).toBe(`Bearer ${providerKey}`);
    expect(await second.stop()).toBe(0);
  }, 120_000);
});

/**
 * A test below opens the embedded database up to nine times, 2–4 s each on a busy two-core machine. They start
 * from a copy of a migrated data directory with its secret: what they test is a later start, not the first.
 */
const manyStartsTimeoutMs = 120_000;

// In process: what start-up does with the secret file, before any server listens.
describe.skipIf(testStorage === 'postgres')(
  'a server secret file that cannot be trusted',
  { timeout: manyStartsTimeoutMs },
  () => {
    it('is refused when cut short or empty, and when missing once storage holds data; nothing is written over it', async () => {
      const dataDir = migratedDataDir('parley-secret-');
      const secretFile = path.join(dataDir, 'secret.key');
      const config = loadConfig({ DATA_DIR: dataDir });
      const logger = createLogger({ level: 'silent' });
      const open = () => openRuntime(config, logger, { migrate: true });
      await (await open()).close();
      const secret = readFileSync(secretFile, 'utf8');

      for (const cut of ['', ' \n', secret.slice(0, 20)]) {
        writeFileSync(secretFile, cut);
        await expect(open()).rejects.toThrow(
          /^The server secret .*secret\.key holds \d+ characters, fewer than the 32 it needs \(was it cut short\?\)/,
        );
      }
      rmSync(secretFile);
      await expect(open()).rejects.toThrow(
        /^The server secret .*secret\.key is missing, but .* holds data made with it/,
      );
      expect(existsSync(secretFile)).toBe(false);

      // Put back, it is the same server again.
      writeFileSync(secretFile, secret);
      await (await open()).close();
    });
  },
);

// In process: a secret that is not the one the storage was made with, however it came.
describe.skipIf(testStorage === 'postgres')(
  'a server secret other than the storage was made with',
  { timeout: manyStartsTimeoutMs },
  () => {
    it('is refused at start-up, naming where it came from, until `admin accept-secret` makes it the storage’s own', async () => {
      const dataDir = migratedDataDir('parley-secret-');
      const secretFile = path.join(dataDir, 'secret.key');
      const logger = createLogger({ level: 'silent' });
      const open = (env: Record<string, string> = {}, acceptNewSecret = false) =>
        openRuntime(loadConfig({ DATA_DIR: dataDir, ...env }), logger, { migrate: true, acceptNewSecret });
      await (await open()).close();
      const secret = readFileSync(secretFile, 'utf8').trim();

      // A file cut to 40 characters passes the length check, and is still not the secret.
      writeFileSync(secretFile, secret.slice(0, 40));
      await expect(open()).rejects.toThrow(
        `The server secret ${secretFile} is not the secret the data in ${dataDir} was made with (every node must share one)`,
      );
      writeFileSync(secretFile, secret);
      await expect(open({ PARLEY_SECRET_KEY: 'another secret of at least 32 characters' })).rejects.toThrow(
        /^PARLEY_SECRET_KEY is not the secret the data in .* was made with .*stop every node, run `parley admin accept-secret` with the new one, and start them with it$/,
      );
      // The right one, given either way, is the same server.
      await (await open({ PARLEY_SECRET_KEY: secret })).close();
      await (await open()).close();

      // Changed on purpose: accepted once, then it is the secret, and the old one is refused.
      writeFileSync(secretFile, 'a new secret chosen by the operator, 44 chars');
      await (await open({}, true)).close();
      await (await open()).close();
      await expect(open({ PARLEY_SECRET_KEY: secret })).rejects.toThrow(/^PARLEY_SECRET_KEY is not the secret/);
    });

    it('on storage from before the check, records only a secret that reads the credentials already stored', async () => {
      const dataDir = migratedDataDir('parley-secret-');
      const logger = createLogger({ level: 'silent' });
      const open = (env: Record<string, string> = {}) =>
        openRuntime(loadConfig({ DATA_DIR: dataDir, ...env }), logger, { migrate: true });
      const first = await open();
      // A tenant's provider key sealed with this secret; then the storage as an older version left it.
      const sealed = encryptSecret(first.keys.credentialsKey, 'sk-stored-before-the-upgrade');
      await first.database.executeSql(`insert into tenants (id, name) values ($1, 'Old')`, [newId()]);
      await first.database.executeSql(
        `insert into providers (id, tenant_id, name, kind, encrypted_api_key)
       select $1, id, 'mine', 'openai', $2 from tenants limit 1`,
        [newId(), sealed],
      );
      await first.database.executeSql('delete from server_secret_check');
      await first.close();
      const secret = readFileSync(path.join(dataDir, 'secret.key'), 'utf8').trim();

      // A process with another secret reaching it first is refused, and records nothing.
      await expect(open({ PARLEY_SECRET_KEY: 'another secret of at least 32 characters' })).rejects.toThrow(
        /^PARLEY_SECRET_KEY cannot read the credentials stored in the data in .*: it is not the secret they were made with/,
      );
      // The right one reads them, and is recorded.
      await (await open({ PARLEY_SECRET_KEY: secret })).close();
      await expect(open({ PARLEY_SECRET_KEY: 'another secret of at least 32 characters' })).rejects.toThrow(
        /is not the secret the data in .* was made with/,
      );
    });
  },
);

// A node that is up when `parley admin accept-secret` gives the storage another secret.
describe('a node whose secret was replaced while it ran', () => {
  it('answers 503 on /ready, saying to restart it with the new secret', async () => {
    const t = await buildTestApp();
    try {
      expect((await t.app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);
      await t.database.executeSql(
        `insert into server_secret_check (id, fingerprint) values (true, 'another')
         on conflict (id) do update set fingerprint = excluded.fingerprint`,
      );
      const ready = await t.app.inject({ method: 'GET', url: '/ready' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json().reason).toMatch(/^This node's server secret is no longer the storage's/);
    } finally {
      await t.database.executeSql('delete from server_secret_check');
      await t.close();
    }
  });
});
