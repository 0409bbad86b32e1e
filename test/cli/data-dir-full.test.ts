import { execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { closeSync, cpSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dataDirTemplateVariable } from '../embedded-template.js';
import { signUpOverHttp } from '../harness/http-account.js';
import { testStorage } from '../harness/test-database.js';
import { spawnServe, waitForReady } from './server-process.js';

/** A tmpfs of `size` at a new directory, or undefined where this process may not mount one (not root). */
function mountSmallVolume(size: string): string | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const mountPoint = mkdtempSync(path.join(tmpdir(), 'parley-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mountPoint], { stdio: 'ignore' });
    return mountPoint;
  } catch {
    rmSync(mountPoint, { recursive: true, force: true });
    return undefined;
  }
}

/** Writes a file until the volume has no room left; answers its path. */
function fillVolume(mountPoint: string): string {
  const ballast = path.join(mountPoint, 'ballast');
  const file = openSync(ballast, 'w');
  const chunk = Buffer.alloc(256 * 1024, 1);
  try {
    for (;;) writeSync(file, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(file);
  }
  return ballast;
}

// Text that does not compress (the database would store repeated letters in a few bytes).
const incompressible = () => randomBytes(16_000).toString('base64');

/**
 * An embedded server whose DATA_DIR's volume fills up while it runs (issue 66): every write then gets a
 * 507 that says so, nothing half-stored, reads go on; once space is freed the next message is stored
 * with no restart, and every message acknowledged before, during and after is there, also after a restart.
 * Mounting a tmpfs needs root (CI runs as root); elsewhere the test is skipped.
 */
const volume = testStorage === 'embedded' ? mountSmallVolume('120m') : undefined;

describe.skipIf(!volume)('an embedded server whose disk fills up', { timeout: 180_000 }, () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    if (volume) execFileSync('umount', ['-l', volume]);
  });

  const serve = async (dataDir: string) => {
    const server = await spawnServe({
      dataDir,
      env: { REPLY_LEASE_STALE_MS: '3000', MAINTENANCE_SWEEP_INTERVAL_MS: '500' },
    });
    children.push(server.child);
    await waitForReady(server.baseUrl, server.child);
    return server;
  };

  it('refuses writes with 507 storage_full while it is full, keeps every acknowledged message, and recovers once space is freed', async () => {
    const dataDir = path.join(volume!, 'data');
    mkdirSync(dataDir);
    cpSync(process.env[dataDirTemplateVariable]!, dataDir, { recursive: true });
    const server = await serve(dataDir);
    const account = await signUpOverHttp(server.baseUrl, 'disk-full', { model: 'offline' });
    const conversationId = await account.newConversation();
    const acknowledged: string[] = [];
    const send = async (content: string) => {
      const response = await fetch(`${server.baseUrl}/v1/conversations/${conversationId}/messages`, {
        method: 'POST',
        headers: { ...account.headers, 'content-type': 'application/json' },
        body: JSON.stringify({ content }),
      });
      const body = (await response.json()) as { code?: string; detail?: string };
      if (response.status === 201) acknowledged.push(content);
      return { status: response.status, contentType: response.headers.get('content-type'), body };
    };
    expect((await send(`before ${incompressible()}`)).status).toBe(201);

    const ballast = fillVolume(volume!);
    const refusals: Awaited<ReturnType<typeof send>>[] = [];
    for (let turn = 0; turn < 200 && refusals.length < 5; turn += 1) {
      const answer = await send(`while full ${turn} ${incompressible()}`);
      if (answer.status !== 201) refusals.push(answer);
    }
    // Every refusal is the documented one, with a sentence the administrator can act on.
    expect(refusals.length).toBe(5);
    for (const refusal of refusals) {
      expect(refusal).toMatchObject({ status: 507, body: { code: 'storage_full' } });
      expect(refusal.contentType).toContain('application/problem+json');
      expect(refusal.body.detail).toContain('storage is full');
    }
    // Reads go on while it is full.
    const listed = await fetch(`${server.baseUrl}/v1/conversations`, { headers: account.headers });
    expect(listed.status).toBe(200);

    rmSync(ballast);
    expect((await send('after space was freed')).status).toBe(201);

    const stored = async (baseUrl: string) => {
      const page = (await (
        await fetch(`${baseUrl}/v1/conversations/${conversationId}/messages?limit=100`, { headers: account.headers })
      ).json()) as { items: { role: string; content: string; status: string }[] };
      return page.items;
    };
    // Every reply ends (a reply whose write failed is settled by the lease sweep), and nothing refused was kept.
    for (const deadline = Date.now() + 20_000; Date.now() < deadline;) {
      if ((await stored(server.baseUrl)).every((item) => item.status !== 'streaming')) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const items = await stored(server.baseUrl);
    expect(items.filter((item) => item.status === 'streaming')).toEqual([]);
    expect(items.filter((item) => item.role === 'user').map((item) => item.content)).toEqual(acknowledged);
    expect(items.filter((item) => item.role === 'assistant')).toHaveLength(acknowledged.length);

    // And after a restart on the same DATA_DIR.
    server.child.kill('SIGTERM');
    await once(server.child, 'exit');
    const restarted = await serve(dataDir);
    const afterRestart = await stored(restarted.baseUrl);
    expect(afterRestart.filter((item) => item.role === 'user').map((item) => item.content)).toEqual(acknowledged);
  });
});
