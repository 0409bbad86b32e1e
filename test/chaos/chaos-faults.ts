import type { FakeOpenAIBehaviour } from '../fakes/fake-openai-server.js';
import type { ChaosCluster } from './chaos-cluster.js';
import type { History } from './chaos-history.js';
import { killMidImport } from './chaos-imports.js';
import type { ChaosTenant } from './chaos-tenant.js';

/** The provider between faults: a reply of 20 words, 30 ms apart, long enough to be killed in the middle of. */
export const steadyProvider: Partial<FakeOpenAIBehaviour> = {
  replyTokens: Array.from({ length: 20 }, (_, index) => ` w${index}`),
  tokenDelayMs: 30,
};

/** One fault: what it does to the cluster, returning once it is over (the cluster whole again). */
export interface Fault {
  readonly name: string;
  inject(cluster: ChaosCluster, round: number, run: { tenant: ChaosTenant; history: History }): Promise<void>;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The provider behaving as `behaviour` for `ms`, then as usual again. */
const providerFor = (behaviour: Partial<FakeOpenAIBehaviour>, ms: number) => async (cluster: ChaosCluster) => {
  cluster.provider.respondWith({ ...steadyProvider, ...behaviour });
  await pause(ms);
  cluster.provider.respondWith(steadyProvider);
};

/**
 * The faults the issue names. Not here: DATA_DIR full (an embedded server's is test/cli/data-dir-full.test.ts;
 * on PostgreSQL nodes it holds only the shared files volume and MCP sandboxes, not what the invariants read).
 */
export const faults: readonly Fault[] = [
  {
    name: 'kill -9 of a node (mid-stream)',
    inject: (cluster, round) => cluster.killAndReplace(round % cluster.nodes.length, 1_000),
  },
  {
    name: 'kill -9 of a node (mid-import)',
    inject: (cluster, round, run) => killMidImport(cluster, round, run.tenant, run.history),
  },
  {
    name: "a node's Redis connection cut for 5 s",
    inject: async (cluster, round) => {
      const relay = cluster.nodes[round % cluster.nodes.length]!.redisRelay;
      await relay.cut();
      await pause(5_000);
      await relay.restore();
    },
  },
  { name: 'Redis restarted (down 2 s, its data gone)', inject: (cluster) => cluster.redis.restart(2_000) },
  {
    name: "PostgreSQL's connections terminated",
    inject: async (cluster) => {
      await cluster.sql.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
        [cluster.databaseName],
      );
      await pause(2_000);
    },
  },
  {
    name: 'PostgreSQL restarted (stopped as a crash would, down 3 s)',
    inject: (cluster) => cluster.postgres.restart(3_000),
  },
  {
    name: 'PostgreSQL unreachable for 5 s (connections cut, new ones refused)',
    inject: async (cluster) => {
      await cluster.postgresRelay.cut();
      await pause(5_000);
      await cluster.postgresRelay.restore();
    },
  },
  { name: 'provider answering 500s for 5 s', inject: providerFor({ error: { status: 500 } }, 5_000) },
  { name: 'provider slow (300 ms a word) for 8 s', inject: providerFor({ tokenDelayMs: 300 }, 8_000) },
  { name: 'provider cutting streams for 5 s', inject: providerFor({ endAfterTokens: 3 }, 5_000) },
];

/**
 * Injects the faults one after another, a calm spell between them, until `isRunning` says stop; each
 * fault's window recorded in the history. Answers once the last fault is over.
 */
export async function runFaultSchedule(
  cluster: ChaosCluster,
  history: History,
  options: { calmMs: number; isRunning: () => boolean; tenant: ChaosTenant },
): Promise<void> {
  // CHAOS_FAULTS=0,3 runs only those of the list above (by position), e.g. to look into one.
  const only = process.env.CHAOS_FAULTS?.split(',').map(Number);
  const chosen = only ? faults.filter((_fault, index) => only.includes(index)) : faults;
  for (let round = 0; options.isRunning(); round += 1) {
    await pause(options.calmMs);
    if (!options.isRunning()) return;
    const fault = chosen[round % chosen.length]!;
    const window = { name: fault.name, startedAt: Date.now(), endedAt: 0 };
    history.faults.push(window);
    console.log(`[chaos] ${new Date().toISOString()} ${fault.name}`);
    // A node that ended on its own is a finding, reported with the invariants; the schedule goes on.
    await fault
      .inject(cluster, Math.floor(round / chosen.length), { tenant: options.tenant, history })
      .catch((error: Error) => console.log(`[chaos] ${error.message}`));
    window.endedAt = Date.now();
    console.log(`[chaos] ${new Date().toISOString()} over after ${window.endedAt - window.startedAt} ms`);
  }
}
