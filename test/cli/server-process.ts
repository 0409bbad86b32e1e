import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import path from 'node:path';

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

/** Polls `/ready` until the child's server answers, failing early if the child exits. */
export async function waitForReady(baseUrl: string, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt++) {
    if (child.exitCode !== null) throw new Error(`server exited early with ${child.exitCode}`);
    const ready = await fetch(`${baseUrl}/ready`).catch(() => undefined);
    if (ready?.ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('server did not become ready');
}

export interface ServeOptions {
  readonly dataDir: string;
  /** More environment: the child gets only PATH, PORT, HOST, DATA_DIR, LOG_LEVEL (warn) and these. */
  readonly env?: Record<string, string>;
  /** Arguments for tsx before the entry, e.g. `--import` of a recorder. */
  readonly tsxArgs?: readonly string[];
  readonly stdio?: StdioOptions;
}

/** `parley serve` from the sources, as a real process on a free port of 127.0.0.1; not yet ready. */
export async function spawnServe(options: ServeOptions): Promise<{ child: ChildProcess; baseUrl: string }> {
  const port = await freePort();
  const child = spawn(path.resolve('node_modules/.bin/tsx'), [...(options.tsxArgs ?? []), 'src/main.ts', 'serve'], {
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
  return { child, baseUrl: `http://127.0.0.1:${port}` };
}
