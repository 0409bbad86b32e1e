import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { openBenchDatabase, recreatePostgresDatabase, type BenchDatabase, type Storage } from './bench-database.js';
import { createParleyClient, type ParleyClient, type Session } from './parley-api.js';
import { freePort, startParley, type RunningChild } from './processes.js';

export const providerName = 'bench';

/** A statement as the server's driver sent it: when (ms since the epoch) and its text or prepared name. */
export interface SentStatement {
  readonly at: number;
  readonly text: string;
}

export interface ParleyInstance {
  readonly key: string;
  readonly label: string;
  readonly storage: Storage;
  readonly client: ParleyClient;
  readonly admin: Session;
  /** RSS once ready, on a data directory that already exists (the normal start). */
  readonly startupRssMb: number | undefined;
  /** RSS after the very first start, which on embedded storage runs initdb in-process. */
  readonly firstStartRssMb: number | undefined;
  child(): RunningChild;
  /**
   * The statements the server sent since the last call, noted at its driver with the machine's clock
   * (`countsStatements`; empty otherwise).
   */
  sentStatements(): Promise<readonly SentStatement[]>;
  /**
   * Runs `work` with the bench's own connection to Parley's storage. Embedded storage belongs to one
   * process at a time, so there the server is stopped first and started again afterwards.
   */
  withDatabase<T>(work: (db: BenchDatabase) => Promise<T>, options?: { restart?: boolean }): Promise<T>;
  stop(): Promise<void>;
}

export interface LaunchOptions {
  readonly storageKind: 'embedded' | 'postgres';
  readonly databaseUrl?: string | undefined;
  readonly workDir: string;
  readonly mockUrl: string;
  readonly entry: 'dist' | 'tsx';
  readonly cpuProfileDir?: string | undefined;
  /** Notes the server's statements at the driver, for the round-trip count (statement-counter.mjs). */
  readonly countsStatements?: boolean;
  /** `name=value` settings for the bench database (PostgreSQL only), for what-if runs. */
  readonly postgresSettings?: readonly string[];
  /** BENCH_TRACING=1: this instance traces at 100% to an OTLP sink (a twin of the untraced one). */
  readonly otlpEndpoint?: string | undefined;
}

export async function launchParley(options: LaunchOptions): Promise<ParleyInstance> {
  // A traced twin runs beside the untraced server: a data directory (or database) of its own.
  const workDir = path.join(options.workDir, `parley-${options.storageKind}${options.otlpEndpoint ? '-traced' : ''}`);
  mkdirSync(workDir, { recursive: true });
  const dataDir = path.join(workDir, 'data');
  let storage: Storage;
  if (options.storageKind === 'postgres') {
    if (!options.databaseUrl) throw new Error('DATABASE_URL is needed for the PostgreSQL run');
    const name = new URL(options.databaseUrl).pathname.slice(1);
    // The bench drops and re-creates its database; refuse anything not plainly meant for it.
    if (!name.includes('bench')) throw new Error(`refusing to reset database '${name}': its name must contain 'bench'`);
    const url = new URL(options.databaseUrl);
    if (options.otlpEndpoint) url.pathname = `/${name}_traced`;
    await recreatePostgresDatabase(url.toString(), options.postgresSettings);
    storage = { kind: 'postgres', url: url.toString() };
  } else {
    storage = { kind: 'embedded', dataDir: path.join(dataDir, 'pglite') };
  }
  const port = await freePort();
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: '1000000',
    // One bench user drives every stream, which the per-user bound on replies at once would refuse.
    CONCURRENT_REPLIES_PER_USER: '100000',
    SIGNUP_MODE: 'open',
    ACCESS_TOKEN_TTL_SECONDS: '7200',
    SHUTDOWN_GRACE_MS: '3000',
    OPENAI_COMPATIBLE_BASE_URL: `${options.mockUrl}/v1`,
    OPENAI_COMPATIBLE_NAME: providerName,
    ...(storage.kind === 'postgres' && {
      DATABASE_URL: storage.url,
      PARLEY_SECRET_KEY: 'bench-secret-key-0123456789abcdef0123456789abcdef',
    }),
    // Every trace kept (the default sampler), each span batch sent to the sink as a collector would get it.
    ...(options.otlpEndpoint && {
      OTEL_EXPORTER_OTLP_ENDPOINT: options.otlpEndpoint,
      OTEL_SERVICE_NAME: 'parley-bench',
    }),
  };
  let starts = 0;
  const statementLog = options.countsStatements ? path.join(workDir, 'statements.json') : undefined;
  const start = () =>
    startParley({
      port,
      env,
      cwd: workDir,
      logFile: path.join(workDir, 'parley.log'),
      entry: options.entry,
      // One profile per start; the file names carry the pid.
      cpuProfileDir: options.cpuProfileDir && path.join(options.cpuProfileDir, `${options.storageKind}-${++starts}`),
      statementLog,
    });
  let child = await start();
  const firstStartRssMb = child.memory()?.rssMb;
  if (storage.kind === 'embedded') {
    // initdb runs inside the first start and its WASM memory is never returned: start again, as a
    // server normally starts, on a data directory that exists.
    await child.stop();
    child = await start();
  }
  const startupRssMb = child.memory()?.rssMb;
  const client = createParleyClient(child.url);
  const label = `${storage.kind === 'postgres' ? 'Parley, PostgreSQL' : 'Parley, embedded'}${options.otlpEndpoint ? ', traced' : ''}`;
  const admin = await client.register(`admin-${storage.kind}@bench.test`, 'Bench');

  return {
    key: `parley-${storage.kind}${options.otlpEndpoint ? '-traced' : ''}`,
    label,
    storage,
    client,
    admin,
    startupRssMb,
    firstStartRssMb,
    child: () => child,
    async sentStatements() {
      if (!statementLog) return [];
      rmSync(statementLog, { force: true });
      process.kill(child.pid, 'SIGUSR2');
      for (const deadline = Date.now() + 5_000; !existsSync(statementLog);) {
        if (Date.now() > deadline) throw new Error('the server did not write its statements (statement-counter.mjs)');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
      return JSON.parse(readFileSync(statementLog, 'utf8')) as SentStatement[];
    },
    async withDatabase(work, { restart = true } = {}) {
      if (storage.kind === 'embedded') await child.stop();
      const db = await openBenchDatabase(storage);
      try {
        return await work(db);
      } finally {
        await db.close();
        if (storage.kind === 'embedded' && restart) child = await start();
      }
    },
    stop: () => child.stop(),
  };
}
