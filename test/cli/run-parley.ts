import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parleyEntry } from './parley-entry.js';

const run = promisify(execFile);

export interface ParleyRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ParleyRunOptions {
  /** The whole environment besides PATH and HOME: the developer's own settings must not leak in. */
  readonly env: Record<string, string>;
  readonly cwd?: string;
  /** A command the child runs under (setpriv, to run as another user). */
  readonly prefix?: readonly string[];
  readonly timeoutMs?: number;
}

/**
 * Runs the real `parley` entry point, transpiled from this run's sources (test/transpile-server.ts), to
 * its end. By its absolute path, so a child started in another working directory runs it alike.
 */
export async function runParley(args: readonly string[], options: ParleyRunOptions): Promise<ParleyRun> {
  const [command = process.execPath, ...commandArgs] = [
    ...(options.prefix ?? []),
    process.execPath,
    parleyEntry(),
    ...args,
  ];
  try {
    const { stdout, stderr } = await run(command, commandArgs, {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...options.env },
      timeout: options.timeoutMs ?? 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}
