import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { claimDataDir, type DataDirLock, type LeaseTimes } from './data-dir-lock.js';

const held: DataDirLock[] = [];
afterEach(() => held.splice(0).forEach((lock) => lock.release()));

function newDataDir(): string {
  return path.join(mkdtempSync(path.join(tmpdir(), 'parley-lock-')), 'pglite');
}

async function claim(dataDir: string, lease?: LeaseTimes): Promise<DataDirLock> {
  const lock = await claimDataDir(dataDir, lease);
  held.push(lock);
  return lock;
}

const ownerOf = (dataDir: string) =>
  JSON.parse(readFileSync(`${dataDir}.lock`, 'utf8')) as { pid: number; renewedAt?: number };

/** The pid of a process that has exited (and so can own nothing). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

describe('claimDataDir', () => {
  it('claims a directory with a file naming this process, and gives it back on release', async () => {
    const dataDir = newDataDir();
    const lock = await claim(dataDir);
    expect(ownerOf(dataDir).pid).toBe(process.pid);
    lock.release();
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
  });

  it('refuses a second claim in the same process until the first is released', async () => {
    const dataDir = newDataDir();
    const lock = await claim(dataDir);
    await expect(claimDataDir(dataDir)).rejects.toThrow(
      `The data directory ${dataDir} is in use by process ${process.pid}`,
    );
    lock.release();
    await expect(claim(dataDir)).resolves.toBeDefined();
  });

  it('refuses a directory that a running process holds, saying which and what to do', async () => {
    const dataDir = newDataDir();
    // The test runner's parent process is alive for as long as this test runs.
    writeFileSync(`${dataDir}.lock`, JSON.stringify({ pid: process.ppid, host: hostname() }));
    await expect(claimDataDir(dataDir)).rejects.toThrow(
      new RegExp(`in use by process ${process.ppid} .*stop that server first, or set DATA_DIR to another directory`),
    );
    expect(ownerOf(dataDir).pid).toBe(process.ppid);
  });

  it('takes over the claim of a process that has exited', async () => {
    const dataDir = newDataDir();
    writeFileSync(`${dataDir}.lock`, JSON.stringify({ pid: await deadPid(), host: hostname() }));
    await claim(dataDir);
    expect(ownerOf(dataDir).pid).toBe(process.pid);
    expect(existsSync(`${dataDir}.lock.takeover`)).toBe(false);
  });

  it('takes over an unreadable claim (a process that died while writing it)', async () => {
    const dataDir = newDataDir();
    writeFileSync(`${dataDir}.lock`, '{"pid": 12');
    await claim(dataDir);
    expect(ownerOf(dataDir).pid).toBe(process.pid);
  });

  it("refuses another host's claim without a lease (an earlier version's, never renewed)", async () => {
    const dataDir = newDataDir();
    writeFileSync(`${dataDir}.lock`, JSON.stringify({ pid: 1, host: `not-${hostname()}` }));
    await expect(claimDataDir(dataDir, shortLease)).rejects.toThrow(`is in use by process 1 on not-${hostname()}`);
  });

  it('leaves a claim taken over by someone else in place on release', async () => {
    const dataDir = newDataDir();
    const lock = await claim(dataDir);
    writeFileSync(`${dataDir}.lock`, JSON.stringify({ pid: process.ppid, host: hostname() }));
    lock.release();
    expect(ownerOf(dataDir).pid).toBe(process.ppid);
  });

  describe('a claim that cannot be checked by its pid, judged by its lease', () => {
    // A holder elsewhere: another host, or this host's name and pid (two containers with one --hostname,
    // node being pid 1 in each), renewing its claim as a server does.
    const shapes = [
      ['another host', { pid: 1, host: `not-${hostname()}` }],
      ['this host and this pid', { pid: process.pid, host: hostname() }],
    ] as const;

    it.each(shapes)('is refused while its holder on %s renews it', async (_, who) => {
      const dataDir = newDataDir();
      const holder = await startRenewing(`${dataDir}.lock`, who, shortLease.renewMs);
      try {
        await expect(claimDataDir(dataDir, shortLease)).rejects.toThrow(`in use by process ${who.pid} on ${who.host}`);
        expect(ownerOf(dataDir).pid).toBe(who.pid);
      } finally {
        holder.kill('SIGKILL');
      }
    });

    it.each(shapes)('is taken over once its holder on %s stops renewing for a lease', async (_, who) => {
      const dataDir = newDataDir();
      const holder = await startRenewing(`${dataDir}.lock`, who, shortLease.renewMs);
      await new Promise((resolve) => setTimeout(resolve, 3 * shortLease.renewMs));
      holder.kill('SIGKILL');
      await new Promise((resolve) => holder.once('exit', resolve));
      await claim(dataDir, shortLease);
      expect(ownerOf(dataDir).pid).toBe(process.pid);
    });
  });

  it('renews its own claim while it holds it, so a watcher sees it alive', async () => {
    const dataDir = newDataDir();
    await claim(dataDir, shortLease);
    const first = ownerOf(dataDir).renewedAt;
    await new Promise((resolve) => setTimeout(resolve, 3 * shortLease.renewMs));
    expect(ownerOf(dataDir).renewedAt).toBeGreaterThan(first!);
  });
});

const shortLease: LeaseTimes = { renewMs: 100, leaseMs: 600 };

/** A process that writes `owner`'s claim with a new time every `renewMs`, as a holding server does. */
async function startRenewing(
  lockFile: string,
  owner: { pid: number; host: string },
  renewMs: number,
): Promise<ChildProcess> {
  const script = `
    const { writeFileSync, renameSync } = require('node:fs');
    const write = () => {
      writeFileSync(process.argv[1] + '.next', JSON.stringify({ ...${JSON.stringify(owner)}, instance: 'elsewhere', renewedAt: Date.now() }));
      renameSync(process.argv[1] + '.next', process.argv[1]);
    };
    write();
    setInterval(write, ${renewMs});`;
  const child = spawn(process.execPath, ['-e', script, lockFile], { stdio: 'ignore' });
  // The first write lands before the test reads the file.
  for (let waited = 0; !existsSync(lockFile) && waited < 5_000; waited += 10) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return child;
}
