import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { claimDataDir, type DataDirLock } from './data-dir-lock.js';

const held: DataDirLock[] = [];
afterEach(() => held.splice(0).forEach((lock) => lock.release()));

function newDataDir(): string {
  return path.join(mkdtempSync(path.join(tmpdir(), 'parley-lock-')), 'pglite');
}

function claim(dataDir: string): DataDirLock {
  const lock = claimDataDir(dataDir);
  held.push(lock);
  return lock;
}

const ownerOf = (dataDir: string) => JSON.parse(readFileSync(`${dataDir}.lock`, 'utf8')) as { pid: number };

/** The pid of a process that has exited (and so can own nothing). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

describe('claimDataDir', () => {
  it('claims a directory with a file naming this process, and gives it back on release', () => {
    const dataDir = newDataDir();
    const lock = claim(dataDir);
    expect(ownerOf(dataDir).pid).toBe(process.pid);
    lock.release();
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
  });

  it('refuses a second claim in the same process until the first is released', () => {
    const dataDir = newDataDir();
    const lock = claim(dataDir);
    expect(() => claimDataDir(dataDir)).toThrow(`The data directory ${dataDir} is in use by process ${process.pid}`);
    lock.release();
    expect(() => claim(dataDir)).not.toThrow();
  });

  it('refuses a directory that a running process holds, saying which and what to do', () => {
    const dataDir = newDataDir();
    // The test runner's parent process is alive for as long as this test runs.
    writeFileSync(`${dataDir}.lock`, JSON.stringify({ pid: process.ppid, host: hostname() }));
    expect(() => claimDataDir(dataDir)).toThrow(
      new RegExp(`in use by process ${process.ppid} .*stop that server first, or set DATA_DIR to another directory`),
    );
    expect(ownerOf(dataDir).pid).toBe(process.ppid);
  });

  it('takes over the claim of a process that has exited', async () => {
    const dataDir = newDataDir();
    writeFileSync(`${dataDir}.lock`, JSON.stringify({ pid: await deadPid(), host: hostname() }));
    claim(dataDir);
    expect(ownerOf(dataDir).pid).toBe(process.pid);
    expect(existsSync(`${dataDir}.lock.takeover`)).toBe(false);
  });

  it('takes over an unreadable claim (a process that died while writing it)', () => {
    const dataDir = newDataDir();
    writeFileSync(`${dataDir}.lock`, '{"pid": 12');
    claim(dataDir);
    expect(ownerOf(dataDir).pid).toBe(process.pid);
  });

  it("refuses another host's claim, which cannot be checked from here", () => {
    const dataDir = newDataDir();
    writeFileSync(`${dataDir}.lock`, JSON.stringify({ pid: 1, host: `not-${hostname()}` }));
    expect(() => claimDataDir(dataDir)).toThrow(`is in use by process 1 on not-${hostname()}`);
  });

  it('leaves a claim taken over by someone else in place on release', () => {
    const dataDir = newDataDir();
    const lock = claim(dataDir);
    writeFileSync(`${dataDir}.lock`, JSON.stringify({ pid: process.ppid, host: hostname() }));
    lock.release();
    expect(ownerOf(dataDir).pid).toBe(process.ppid);
  });
});
