import { execFile } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const entry = path.resolve('src/main.ts');
/** tsx as a loader, by its file, so a child started in another working directory still finds it. */
const tsxLoader = pathToFileURL(path.resolve('node_modules/tsx/dist/loader.mjs')).href;

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
 * Runs the real `parley` entry point from source to its end. Node loads tsx itself rather than through
 * tsx's command, which would be one more process to start (a few hundred ms each, on every run).
 */
export async function runParley(args: readonly string[], options: ParleyRunOptions): Promise<ParleyRun> {
  const [command = process.execPath, ...commandArgs] = [
    ...(options.prefix ?? []),
    process.execPath,
    '--import',
    tsxLoader,
    entry,
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
