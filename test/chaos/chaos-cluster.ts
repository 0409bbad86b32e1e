import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from '../cli/server-process.js';
import { startSmtpRelay, type SmtpRelay } from '../email/smtp-relay.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { startBalancer, type Balancer } from '../harness/balancer.js';
import { startCuttableRelay, type CuttableRelay } from '../harness/cuttable-relay.js';
import { createScaledOutNodes, type ScaledOutNode, type ScaledOutNodes } from '../harness/scaled-out-nodes.js';
import { startWebhookReceiver, type WebhookReceiver } from '../webhooks/webhook-receiver.js';
import { startPrivatePostgres, type PrivatePostgres } from './private-postgres.js';
import { startPrivateRedis, type PrivateRedis } from './private-redis.js';

/** A node of the run, with its own relay to Redis (so one node's connection can be cut) and its SMTP port. */
export interface ChaosNode {
  readonly name: string;
  readonly node: ScaledOutNode;
  readonly redisRelay: CuttableRelay;
  readonly smtpPort: number;
}

export interface ChaosCluster {
  readonly balancer: Balancer;
  readonly nodes: ChaosNode[];
  readonly provider: FakeOpenAIServer;
  readonly webhooks: WebhookReceiver;
  readonly mailSink: SmtpRelay;
  readonly redis: PrivateRedis;
  readonly postgres: PrivatePostgres;
  /** Every node's way to PostgreSQL: cut, the server is unreachable as its clients see it. */
  readonly postgresRelay: CuttableRelay;
  /** Straight to the run's database, for the checks and for `pg_terminate_backend` (a pool: it outlives restarts). */
  readonly sql: pg.Pool;
  readonly databaseName: string;
  /** kill -9 of the node at `index`, and a new node in its place once it is gone. */
  killAndReplace(index: number, downMs: number): Promise<void>;
  /** Nodes that ended with nobody killing them, each with the end of its log. */
  endedOnTheirOwn(): string[];
  /** What every node of the run logged at `error` (their logs go with their data directories at the end). */
  loggedErrors(): LoggedError[];
  stop(): Promise<void>;
}

// Reply leases stale after 3 s and swept every 500 ms, so a killed node's reply ends within seconds.
const nodeEnvironment = {
  OPENAI_API_KEY: 'sk-chaos',
  OUTBOUND_ALLOW: '127.0.0.1',
  MAINTENANCE_SWEEP_INTERVAL_MS: '500',
  REPLY_LEASE_STALE_MS: '3000',
  IMPORT_LEASE_STALE_MS: '3000',
  JOB_LEASE_STALE_MS: '6000',
  WEBHOOK_RETRY_BASE_MS: '100',
  SHUTDOWN_GRACE_MS: '5000',
  LOG_LEVEL: 'error',
};

const hasExited = (each: ChaosNode) => each.node.child.exitCode !== null || each.node.child.signalCode !== null;
/** The end of a node's log: why it stopped. */
const logTail = (each: ChaosNode) => {
  const log = path.join(each.node.dataDir, 'server.log');
  return existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-60).join('\n') : '(no log)';
};

/** One `error` line of a node's log (pino's JSON), in short. */
export interface LoggedError {
  readonly node: string;
  readonly time: string;
  readonly message: string;
  readonly detail: string;
}

function errorsOf(each: ChaosNode): LoggedError[] {
  const log = path.join(each.node.dataDir, 'server.log');
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8')
    .split('\n')
    .flatMap((line) => {
      try {
        const entry = JSON.parse(line) as { level?: number; time?: number; msg?: string; err?: { message?: string } };
        if ((entry.level ?? 0) < 50) return [];
        const { req, res } = entry as { req?: { method?: string; url?: string }; res?: { statusCode?: number } };
        const request = req ? `${req.method ?? ''} ${req.url ?? ''} ${res?.statusCode ?? ''}`.trim() : '';
        return [
          {
            node: each.name,
            time: new Date(entry.time ?? 0).toISOString(),
            message: entry.msg ?? '',
            // One line: a driver's message holds the query, and params on a line of their own.
            detail: [request, entry.err?.message ?? ''].filter(Boolean).join(': ').replace(/\s+/g, ' ').slice(0, 300),
          },
        ];
      } catch {
        return [];
      }
    });
}

const step = (what: string) => console.log(`[chaos] ${new Date().toISOString()} ${what}`);

/** `nodeCount` real `parley serve` nodes on PostgreSQL and a Redis of their own, behind a balancer. */
export async function startChaosCluster(nodeCount: number): Promise<ChaosCluster> {
  const provider = await startFakeOpenAIServer({});
  const webhooks = await startWebhookReceiver();
  const mailSink = await startSmtpRelay();
  const redis = await startPrivateRedis();
  const postgres = await startPrivatePostgres();
  const postgresRelay = await startCuttableRelay(postgres.port);
  const scaledOut: ScaledOutNodes = await createScaledOutNodes(
    'chaos',
    { ...nodeEnvironment, OPENAI_BASE_URL: provider.baseUrl, EMAIL_SMTP_URL: mailSink.url },
    // One files volume for every node, as docs/scaling.md asks: an import's files are indexed by any node.
    {
      adminUrl: postgres.adminUrl,
      sharedFilesDir: path.join(mkdtempSync(path.join(tmpdir(), 'parley-chaos-files-')), 'files'),
    },
  );
  const databaseName = new URL(scaledOut.databaseUrl).pathname.slice(1);
  const throughRelay = new URL(scaledOut.databaseUrl);
  throughRelay.port = String(postgresRelay.port);
  const sql = new pg.Pool({ connectionString: scaledOut.databaseUrl, max: 2 });
  // The run terminates backends and restarts the server: an idle client's error must not end the run.
  sql.on('error', () => undefined);

  let started = 0;
  const startNode = async (): Promise<ChaosNode> => {
    const name = `node-${++started}`;
    const redisRelay = await startCuttableRelay(redis.port);
    const smtpPort = await freePort();
    const node = await scaledOut.start({
      DATABASE_URL: throughRelay.toString(),
      REDIS_URL: `redis://127.0.0.1:${redisRelay.port}/0`,
      EMAIL_SMTP_PORT: String(smtpPort),
    });
    const chaosNode: ChaosNode = { name, node, redisRelay, smtpPort };
    everyNode.push(chaosNode);
    return chaosNode;
  };
  const nodes: ChaosNode[] = [];
  const everyNode: ChaosNode[] = [];
  const endedEarlier: string[] = [];
  // One after the other: the first applies the migrations.
  for (let index = 0; index < nodeCount; index += 1) nodes.push(await startNode());
  const balancer = await startBalancer(nodes.map((each) => each.node.baseUrl));
  const liveUrls = () => nodes.map((each) => each.node.baseUrl);

  return {
    balancer,
    nodes,
    provider,
    webhooks,
    mailSink,
    redis,
    postgres,
    postgresRelay,
    sql,
    databaseName,
    async killAndReplace(index, downMs) {
      const dead = nodes[index]!;
      if (hasExited(dead)) endedEarlier.push(`${dead.name}: ${logTail(dead)}`);
      else {
        const exited = once(dead.node.child, 'exit');
        dead.node.child.kill('SIGKILL');
        await exited;
        step(`${dead.name} killed`);
      }
      await dead.redisRelay.close();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      const replacement = await startNode();
      nodes[index] = replacement;
      step(`${replacement.name} in its place`);
      balancer.setNodes(liveUrls());
    },
    endedOnTheirOwn: () => [
      ...endedEarlier,
      ...nodes.filter(hasExited).map((each) => `${each.name}: ${logTail(each)}`),
    ],
    loggedErrors: () => everyNode.flatMap(errorsOf).sort((a, b) => a.time.localeCompare(b.time)),
    async stop() {
      await balancer.close();
      await sql.end().catch(() => undefined);
      await scaledOut.stop();
      for (const each of nodes) await each.redisRelay.close();
      await postgresRelay.close();
      await postgres.stop();
      await redis.stop();
      await Promise.all([provider.close(), webhooks.close(), mailSink.close()]);
    },
  };
}
