import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { parleyEntry } from './parley-entry.js';

/** A port nothing listens on right now, for a server started in a child process. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/**
 * How long a child's server may take to answer `/ready`: a first start applies every migration on
 * embedded storage, which took 15 s of a loaded two-core machine's time (and 30 s was once too short).
 */
const readyWithinMs = 90_000;

/** Polls `/ready` until the child's server answers, failing early if the child exits. */
export async function waitForReady(baseUrl: string, child: ChildProcess): Promise<void> {
  for (const deadline = Date.now() + readyWithinMs; Date.now() < deadline; ) {
    if (child.exitCode !== null) throw new Error(`server exited early with ${child.exitCode}`);
    const ready = await fetch(`${baseUrl}/ready`, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
    if (ready?.ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('server did not become ready');
}

export interface ServeOptions {
  readonly dataDir: string;
  /** More environment: the child gets only PATH, PORT, HOST, DATA_DIR, LOG_LEVEL (warn) and these. */
  readonly env?: Record<string, string>;
  /** More Node arguments before the entry, e.g. `--import` of a recorder. */
  readonly nodeArgs?: readonly string[];
  readonly stdio?: StdioOptions;
}

/**
 * `parley serve`, transpiled from this run's sources (test/transpile-server.ts), as a real process on a
 * free port of 127.0.0.1; not yet ready. Node runs it itself, with no wrapper process between: tsx's
 * CLI, for one, on SIGTERM gives the server 30 ms to say it got the signal and then kills it.
 */
export async function spawnServe(options: ServeOptions): Promise<{ child: ChildProcess; baseUrl: string }> {
  const port = await freePort();
  const args = [...(options.nodeArgs ?? []), parleyEntry(), 'serve'];
  const child = spawn(process.execPath, args, {
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: options.dataDir,
      LOG_LEVEL: 'warn',
      ...options.env,
    },
    stdio: options.stdio ?? ['ignore', 'pipe', 'pipe'],
  });
  // A test that times out never reaches its own clean-up: its server must not outlive the test run.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  return { child, baseUrl: `http://127.0.0.1:${port}` };
}
