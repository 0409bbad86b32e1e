import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../cli/server-process.js';

const run = promisify(execFile);

export interface PrivatePostgres {
  readonly port: number;
  /** The server's `postgres` database as its superuser, for creating the run's database. */
  readonly adminUrl: string;
  /** Stops the server as a crash would (`-m immediate`: no checkpoint, every connection cut), starts it again after `downMs`. */
  restart(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

/** The newest server installed from Debian's packages (pgvector is installed into the same one). */
function serverBinaries(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((version) => existsSync(path.join(root, version, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) throw new Error(`no PostgreSQL server under ${root}: apt-get install postgresql`);
  return path.join(root, versions[0]!, 'bin');
}

/** PostgreSQL refuses to run as root: there, its commands run as the `postgres` user the package made. */
const asServerUser = (command: string, args: string[]) =>
  process.getuid?.() === 0 ? run('runuser', ['-u', 'postgres', '--', command, ...args]) : run(command, args);

const serverUserIds = async () => {
  const [{ stdout: uid }, { stdout: gid }] = await Promise.all([
    run('id', ['-u', 'postgres']),
    run('id', ['-g', 'postgres']),
  ]);
  return { uid: Number(uid), gid: Number(gid) };
};

/**
 * A PostgreSQL server of the chaos run's own, in a temporary directory on a port of its own, so that
 * restarting it hits the run's nodes alone and not the tests that share the machine's server beside it.
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = serverBinaries();
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-chaos-pg-'));
  if (process.getuid?.() === 0) {
    const { uid, gid } = await serverUserIds();
    chownSync(dataDir, uid, gid);
  }
  await asServerUser(path.join(bin, 'initdb'), [
    '-D',
    dataDir,
    '-U',
    'postgres',
    '-A',
    'trust',
    '-E',
    'UTF8',
    '--no-sync',
  ]);
  // Sockets in the data directory (the default /var/run/postgresql is the machine server's); fsync off,
  // since the faults here kill processes, not the machine, and what a killed process wrote stays.
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dataDir} -c max_connections=300 -c fsync=off`;
  const pgCtl = (...args: string[]) => asServerUser(path.join(bin, 'pg_ctl'), ['-D', dataDir, ...args]);
  const start = () => pgCtl('start', '-w', '-t', '30', '-l', path.join(dataDir, 'server.log'), '-o', options);
  const stopNow = () => pgCtl('stop', '-m', 'immediate', '-w');
  await start();
  return {
    port,
    adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async restart(downMs) {
      await stopNow();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await start();
    },
    async stop() {
      await stopNow().catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
