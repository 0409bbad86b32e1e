import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { AppError } from '../errors.js';

export interface DataDirLock {
  release(): void;
}

interface LockOwner {
  readonly pid: number;
  readonly host: string;
  /** Which process wrote the claim: a pid and a host name do not tell two containers apart. */
  readonly instance?: string;
  /** When its holder last renewed it (ms since the epoch, the holder's clock). */
  readonly renewedAt?: number;
}

export interface LeaseTimes {
  /** How often the holder rewrites its claim. */
  readonly renewMs: number;
  /** How long a claim nobody renews is still respected. */
  readonly leaseMs: number;
}

const defaultLease: LeaseTimes = { renewMs: 5_000, leaseMs: 15_000 };

/** Directories this process holds, so a second open in the same process is refused too. */
const heldByThisProcess = new Set<string>();

/**
 * Claims an embedded data directory for this process. PGlite does not lock its directory, and two
 * processes on one directory each keep their own copy of the database in memory: whichever writes
 * last wins on disk, and the other's writes are lost without an error. The claim is a file beside the
 * directory (`<dir>.lock`, since initdb wants the directory itself empty) holding the owner's pid, host
 * and instance, renewed by its holder every few seconds (a lease).
 *
 * A claim on this host whose pid is another process's is judged by that process: taken over at once when
 * it has exited, so a server restarted right after a crash starts at once. A claim that cannot be checked
 * that way — made on another host, or naming this very pid (a container's node is pid 1 in every container,
 * and a fixed `--hostname` makes the hosts alike) — is judged by its lease: respected while its holder
 * renews it, taken over once a whole lease passes without a renewal.
 */
export async function claimDataDir(dataDir: string, lease: LeaseTimes = defaultLease): Promise<DataDirLock> {
  const lockFile = `${dataDir}.lock`;
  const self: LockOwner = { pid: process.pid, host: hostname(), instance: randomUUID(), renewedAt: Date.now() };
  if (heldByThisProcess.has(lockFile)) throw inUse(dataDir, self, lockFile);
  if (!createLockFile(lockFile, self)) {
    const owner = readOwner(lockFile);
    if (owner && (await isHeld(owner, lockFile, lease))) throw inUse(dataDir, owner, lockFile);
    if (heldByThisProcess.has(lockFile)) throw inUse(dataDir, self, lockFile);
    takeOverStaleLock(lockFile, self, dataDir, owner);
  }
  heldByThisProcess.add(lockFile);
  const renewal = setInterval(() => renew(lockFile, self), lease.renewMs);
  renewal.unref();
  let isClaimed = true;
  return {
    release() {
      if (!isClaimed) return;
      isClaimed = false;
      clearInterval(renewal);
      heldByThisProcess.delete(lockFile);
      // Only our own claim is removed: one taken over meanwhile belongs to someone else.
      if (readOwner(lockFile)?.instance === self.instance) unlinkSync(lockFile);
    },
  };
}

/** Rewrites our claim with a new time, whole (a rename), and only while it is still ours. */
function renew(lockFile: string, self: LockOwner): void {
  try {
    if (readOwner(lockFile)?.instance !== self.instance) return;
    const next = `${lockFile}.${self.instance}`;
    writeFileSync(next, JSON.stringify({ ...self, renewedAt: Date.now() }));
    renameSync(next, lockFile);
  } catch {
    // A full or read-only disk: the next renewal tries again; the database reports the disk itself.
  }
}

/**
 * Whether a claim's holder is still there. A process on this host is asked directly; any other claim is
 * watched for one lease: a holder renews within it, a dead one never does. A claim without a lease was
 * written by a version that never renews, so it is judged as before: this pid's taken over, another
 * host's respected.
 */
async function isHeld(owner: LockOwner, lockFile: string, lease: LeaseTimes): Promise<boolean> {
  const isOurHost = owner.host === hostname();
  if (isOurHost && owner.pid !== process.pid) return isAlive(owner.pid);
  if (owner.renewedAt === undefined) return !isOurHost;
  const deadline = Date.now() + lease.leaseMs;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(lease.renewMs / 4, 500)));
    const now = readOwner(lockFile);
    if (!now) return false;
    if (now.instance !== owner.instance || now.renewedAt !== owner.renewedAt) return true;
  }
  return false;
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
function takeOverStaleLock(
  lockFile: string,
  self: LockOwner,
  dataDir: string,
  judged: LockOwner | undefined,
): void {
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
    // Replaced only if it is still the claim judged stale: another newcomer may have taken it meanwhile.
    const owner = readOwner(lockFile);
    if (owner && !isSameClaim(owner, judged)) throw inUse(dataDir, owner, lockFile);
    unlinkIfPresent(lockFile);
    if (!createLockFile(lockFile, self)) throw inUse(dataDir, readOwner(lockFile), lockFile);
  } finally {
    rmdirSync(guard);
  }
}

const isSameClaim = (a: LockOwner, b: LockOwner | undefined) =>
  b !== undefined && a.pid === b.pid && a.host === b.host && a.instance === b.instance;

function readOwner(lockFile: string): LockOwner | undefined {
  try {
    const parsed = JSON.parse(readFileSync(lockFile, 'utf8')) as Partial<LockOwner>;
    if (typeof parsed.pid !== 'number' || typeof parsed.host !== 'string') return undefined;
    return {
      pid: parsed.pid,
      host: parsed.host,
      ...(typeof parsed.instance === 'string' && { instance: parsed.instance }),
      ...(typeof parsed.renewedAt === 'number' && { renewedAt: parsed.renewedAt }),
    };
  } catch {
    // Gone, or half-written by a process that died while writing it: nobody's claim.
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
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
