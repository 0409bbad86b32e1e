import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const benchDir = fileURLToPath(new URL('./', import.meta.url));

export interface MemoryReading {
  readonly rssMb: number;
  /** The kernel's high-water mark of the resident set since the process started. */
  readonly peakRssMb: number;
}

export function readMemory(pid: number): MemoryReading | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMb: kb('VmRSS') / 1024, peakRssMb: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

export interface RunningChild {
  readonly url: string;
  readonly pid: number;
  readonly logFile: string;
  memory(): MemoryReading | undefined;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (bound then released; good enough on a quiet machine). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('could not pick a free port');
  return address.port;
}

/** Starts one of the bench's own servers (mock LLM, bare relay, bare PGlite) as a child process. */
export async function startHelper(file: string, env: Record<string, string>, logFile: string): Promise<RunningChild> {
  // A `.mjs` helper runs on plain node: its memory is then its own, with no TypeScript loader in it.
  const loader = file.endsWith('.mjs') ? [] : ['--import', 'tsx'];
  const child = spawn(process.execPath, [...loader, path.join(benchDir, file)], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  pipeOutput(child, logFile);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${file} did not start within 30 s; see ${logFile}`)), 30_000);
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code} before it was ready; see ${logFile}`)));
    child.on('message', (message: { type?: string; url?: string }) => {
      if (message.type === 'ready' && message.url) {
        clearTimeout(timer);
        resolve(message.url);
      }
    });
  });
  return handleOf(child, url, logFile, 5_000);
}

export interface ParleyLaunch {
  readonly port: number;
  readonly env: Record<string, string>;
  readonly cwd: string;
  readonly logFile: string;
  /** Runs the server from dist/ (built) or src/ through tsx. */
  readonly entry: 'dist' | 'tsx';
  /** When set, the child writes a V8 CPU profile there on exit. */
  readonly cpuProfileDir?: string | undefined;
  /** When set, the child notes its statements at the driver and writes them here on SIGUSR2 (statement-counter.mjs). */
  readonly statementLog?: string | undefined;
}

/** The Node flags of `npm start`, so the bench measures the server as it is run (they change its memory). */
function startScriptNodeFlags(): string[] {
  const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  return manifest.scripts.start.split(/\s+/).filter((word) => word.startsWith('--'));
}

/** Starts `parley serve` as a separate process and waits until /ready answers. */
export async function startParley(launch: ParleyLaunch): Promise<RunningChild> {
  const nodeArgs = [
    ...(launch.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${launch.cpuProfileDir}`] : []),
    ...(launch.statementLog ? ['--import', import.meta.resolve('./statement-counter.mjs')] : []),
  ];
  const entryArgs =
    launch.entry === 'dist'
      ? [...startScriptNodeFlags(), path.join(repoRoot, 'dist/main.js'), 'serve']
      : // The child runs in a temporary directory, where a bare 'tsx' would not resolve.
        ['--import', import.meta.resolve('tsx'), path.join(repoRoot, 'src/main.ts'), 'serve'];
  // The working directory is a temp dir, so a developer's .env in the repository cannot leak in.
  const child = spawn(process.execPath, [...nodeArgs, ...entryArgs], {
    cwd: launch.cwd,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ...(process.env.BENCH_CHILD_NODE_OPTIONS && { NODE_OPTIONS: process.env.BENCH_CHILD_NODE_OPTIONS }),
      ...childEnvironment(process.env.BENCH_CHILD_ENV),
      ...launch.env,
      ...(launch.statementLog && { BENCH_STATEMENT_LOG: launch.statementLog }),
      PORT: String(launch.port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  pipeOutput(child, launch.logFile);
  const url = `http://127.0.0.1:${launch.port}`;
  let exitCode: number | null | undefined;
  child.once('exit', (code) => (exitCode = code));
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (exitCode !== undefined)
      throw new Error(`parley exited with ${exitCode} during start-up:\n${tail(launch.logFile)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`parley was not ready within 120 s:\n${tail(launch.logFile)}`);
    }
    try {
      const response = await fetch(`${url}/ready`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  return handleOf(child, url, launch.logFile, 15_000);
}

function handleOf(child: ChildProcess, url: string, logFile: string, graceMs: number): RunningChild {
  const pid = child.pid;
  if (pid === undefined) throw new Error('child has no pid');
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    url,
    pid,
    logFile,
    memory: () => readMemory(pid),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

function pipeOutput(child: ChildProcess, logFile: string): void {
  const out = createWriteStream(logFile, { flags: 'a' });
  child.stdout?.pipe(out, { end: false });
  child.stderr?.pipe(out, { end: false });
  child.once('exit', () => setTimeout(() => out.end(), 50));
}

export function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Samples a process's resident set while a phase runs; the kernel's VmHWM covers the gaps between samples. */
export function sampleMemory(pid: number, intervalMs = 100): { stop(): number } {
  let peakMb = readMemory(pid)?.rssMb ?? 0;
  const timer = setInterval(() => {
    const reading = readMemory(pid);
    if (reading && reading.rssMb > peakMb) peakMb = reading.rssMb;
  }, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      const reading = readMemory(pid);
      return Math.max(peakMb, reading?.rssMb ?? 0);
    },
  };
}

const clockTicksPerSecond = 100; // USER_HZ on Linux

/** User + system CPU time a process has used so far, in ms (Linux /proc). */
export function readCpuMs(pid: number): number {
  try {
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicksPerSecond;
  } catch {
    return NaN;
  }
}

/** CPU time of every process with this command name (e.g. all PostgreSQL backends), in ms, by pid. */
export function readCpuMsOfCommand(command: string): Map<number, number> {
  const byPid = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === command)
        byPid.set(Number(entry), readCpuMs(Number(entry)) || 0);
    } catch {
      // the process ended meanwhile
    }
  }
  return byPid;
}

/** CPU used between two readings by processes alive at the second (one that exited in between is missed). */
export function cpuMsBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, ms] of after) total += Math.max(0, ms - (before.get(pid) ?? 0));
  return total;
}

/**
 * BENCH_CHILD_ENV: extra environment for the Parley children, `NAME=value` pairs separated by spaces,
 * for what-if runs of settings read before any JavaScript runs, e.g. `MALLOC_ARENA_MAX=2`.
 */
function childEnvironment(text: string | undefined): Record<string, string> {
  const pairs = (text ?? '').split(/\s+/).filter(Boolean);
  return Object.fromEntries(
    pairs.map((pair) => {
      const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(pair);
      if (!match) throw new Error(`BENCH_CHILD_ENV: '${pair}' is not NAME=value`);
      return [match[1]!, match[2]!];
    }),
  );
}
