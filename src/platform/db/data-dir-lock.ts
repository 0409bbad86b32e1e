import { mkdirSync, readFileSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { AppError } from '../errors.js';

export interface DataDirLock {
  release(): void;
}

interface LockOwner {
  readonly pid: number;
  readonly host: string;
}

/** Directories this process holds, so a second open in the same process is refused too. */
const heldByThisProcess = new Set<string>();

/**
 * Claims an embedded data directory for this process. PGlite does not lock its directory, and two
 * processes on one directory each keep their own copy of the database in memory: whichever writes
 * last wins on disk, and the other's writes are lost without an error. The claim is a file beside the
 * directory (`<dir>.lock`, since initdb wants the directory itself empty) holding the owner's pid and
 * host.
 *
 * A pid file rather than a lock refreshed on a timer (as `proper-lockfile` keeps one): a refreshed lock
 * only goes stale after its period, so a server restarted at once after a crash would be refused for
 * that long. A claim whose process is gone, or is this very pid (a container restarted with the same
 * pid), is taken over; one made on another host cannot be checked and is refused with what to do.
 */
export function claimDataDir(dataDir: string): DataDirLock {
  const lockFile = `${dataDir}.lock`;
  const self: LockOwner = { pid: process.pid, host: hostname() };
  if (heldByThisProcess.has(lockFile)) throw inUse(dataDir, self, lockFile);
  if (!createLockFile(lockFile, self)) {
    const owner = readOwner(lockFile);
    if (owner && isAlive(owner)) throw inUse(dataDir, owner, lockFile);
    takeOverStaleLock(lockFile, self, dataDir);
  }
  heldByThisProcess.add(lockFile);
  let isHeld = true;
  return {
    release() {
      if (!isHeld) return;
      isHeld = false;
      heldByThisProcess.delete(lockFile);
      // Only our own claim is removed: one taken over meanwhile belongs to someone else.
      const owner = readOwner(lockFile);
      if (owner?.pid === self.pid && owner.host === self.host) unlinkSync(lockFile);
    },
  };
}

/** Creates the lock file only if there is none (`wx`): the step two processes cannot both win. */
function createLockFile(lockFile: string, owner: LockOwner): boolean {
  try {
    writeFileSync(lockFile, JSON.stringify(owner), { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/**
 * Replaces a dead owner's claim. Two processes finding the same stale claim must not both replace it
 * (the second would remove the first's fresh claim), so the replacement happens under a directory
 * that only one of them can create.
 */
function takeOverStaleLock(lockFile: string, self: LockOwner, dataDir: string): void {
  const guard = `${lockFile}.takeover`;
  try {
    mkdirSync(guard);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    throw new AppError(
      'conflict',
      `Another process is claiming the data directory ${dataDir} right now; if none is, remove ${guard} and start again`,
    );
  }
  try {
    const owner = readOwner(lockFile);
    if (owner && isAlive(owner)) throw inUse(dataDir, owner, lockFile);
    unlinkIfPresent(lockFile);
    if (!createLockFile(lockFile, self)) throw inUse(dataDir, readOwner(lockFile), lockFile);
  } finally {
    rmdirSync(guard);
  }
}

function readOwner(lockFile: string): LockOwner | undefined {
  try {
    const parsed = JSON.parse(readFileSync(lockFile, 'utf8')) as Partial<LockOwner>;
    if (typeof parsed.pid !== 'number' || typeof parsed.host !== 'string') return undefined;
    return { pid: parsed.pid, host: parsed.host };
  } catch {
    // Gone, or half-written by a process that died while writing it: nobody's claim.
    return undefined;
  }
}

function isAlive(owner: LockOwner): boolean {
  // Another host's process cannot be looked up from here: assume it runs.
  if (owner.host !== hostname()) return true;
  if (owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function unlinkIfPresent(file: string): void {
  try {
    unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

function inUse(dataDir: string, owner: LockOwner | undefined, lockFile: string): AppError {
  const who = owner ? `process ${owner.pid} on ${owner.host}` : 'another process';
  return new AppError(
    'conflict',
    `The data directory ${dataDir} is in use by ${who}; stop that server first, or set DATA_DIR to another directory (if no Parley runs there, remove ${lockFile})`,
  );
}
