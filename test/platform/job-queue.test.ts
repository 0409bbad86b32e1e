import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createJobQueue } from '../../src/platform/jobs/index.js';
import type { JobQueue } from '../../src/platform/jobs/index.js';
import { createLogger } from '../../src/platform/logger.js';
import type { DatabaseHandle } from '../../src/platform/db/client.js';
import { createTestDatabase, testStorage, type TestDatabase } from '../harness/test-database.js';

let database: TestDatabase;
const openQueues: JobQueue[] = [];
const logLines: string[] = [];
const logger = createLogger({
  level: 'info',
  destination: new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  }),
});

function newQueue(options: { leaseSeconds?: number } = {}): JobQueue {
  const queue = createJobQueue({ database, logger, pollIntervalSeconds: 0.5, ...options });
  openQueues.push(queue);
  return queue;
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function jobState(id: string): Promise<string | undefined> {
  const { rows } = await database.executeSql('select state from pgboss.job where id = $1', [id]);
  return (rows[0] as { state: string } | undefined)?.state;
}

/** Set when a job was started; pg-boss counts a retry when it fetches a job that has it (so: not started). */
async function jobStartedOn(id: string): Promise<unknown> {
  const { rows } = await database.executeSql('select started_on from pgboss.job where id = $1', [id]);
  return (rows[0] as { started_on: unknown } | undefined)?.started_on;
}

beforeAll(async () => {
  database = await createTestDatabase();
});

afterEach(async () => {
  await Promise.all(openQueues.splice(0).map((queue) => queue.stop({ graceMs: 1_000 })));
});

afterAll(async () => {
  await database.dispose();
});

describe('job queue', () => {
  it('runs a sent job with its data and id', async () => {
    const seen: { data: object; id: string }[] = [];
    const queue = newQueue();
    queue.register<{ documentId: string }>('test-runs', async (data, job) => {
      seen.push({ data, id: job.id });
    });
    await queue.start();

    const id = await queue.send('test-runs', { documentId: 'd1' });

    await waitFor(() => seen.length === 1);
    expect(seen).toEqual([{ data: { documentId: 'd1' }, id }]);
    await waitFor(async () => (await jobState(id ?? '')) === 'completed');
  });

  it('retries a job that threw, with the same data, and counts the attempt', async () => {
    const attempts: { data: object; retryCount: number }[] = [];
    const queue = newQueue();
    queue.register<{ n: number }>(
      'test-retries',
      async (data, job) => {
        attempts.push({ data, retryCount: job.retryCount });
        if (job.retryCount === 0) throw new Error('first attempt fails');
      },
      { retryLimit: 2, retryDelaySeconds: 0 },
    );
    await queue.start();

    const id = await queue.send('test-retries', { n: 7 });

    await waitFor(() => attempts.length === 2);
    expect(attempts).toEqual([
      { data: { n: 7 }, retryCount: 0 },
      { data: { n: 7 }, retryCount: 1 },
    ]);
    await waitFor(async () => (await jobState(id ?? '')) === 'completed');
  });

  it('gives up after retryLimit retries and marks the job failed', async () => {
    let attempts = 0;
    const queue = newQueue();
    queue.register(
      'test-gives-up',
      async () => {
        attempts += 1;
        throw new Error('always fails');
      },
      { retryLimit: 1, retryDelaySeconds: 0 },
    );
    await queue.start();

    const id = await queue.send('test-gives-up', {});

    await waitFor(async () => (await jobState(id ?? '')) === 'failed');
    expect(attempts).toBe(2);
  });

  it('logs a failure with the queue, job id and attempt, never the job data', async () => {
    const queue = newQueue();
    queue.register(
      'test-logs',
      async () => {
        throw new Error('upstream refused');
      },
      { retryLimit: 0 },
    );
    await queue.start();

    const id = await queue.send('test-logs', { apiKeyOfTheUser: 'sk-secret-value-123' });

    await waitFor(() => logLines.some((line) => line.includes('"queue":"test-logs"')));
    const entry = JSON.parse(logLines.find((line) => line.includes('"queue":"test-logs"')) ?? '{}') as Record<
      string,
      unknown
    >;
    expect(entry).toMatchObject({ jobId: id, retryCount: 0, msg: 'Job failed for the last time' });
    expect(JSON.stringify(entry)).toContain('upstream refused');
    expect(logLines.join('\n')).not.toContain('sk-secret-value-123');
  });

  it('keeps a sent job across a restart: a new queue on the same database runs it', async () => {
    const sender = newQueue();
    await sender.start();
    const id = await sender.send('test-restart', { survives: true });
    await sender.stop();

    const seen: object[] = [];
    const worker = newQueue();
    worker.register('test-restart', async (data) => {
      seen.push(data);
    });
    await worker.start();

    await waitFor(() => seen.length === 1);
    expect(seen).toEqual([{ survives: true }]);
    await waitFor(async () => (await jobState(id ?? '')) === 'completed');
  });

  it('sends a job left running by an ended process to its retry at start on embedded storage, not after it expires', async () => {
    const sender = newQueue();
    await sender.start();
    const id = (await sender.send('test-orphaned', { n: 1 }))!;
    await sender.stop();
    // What a process that crashed mid-job leaves behind: the job active, its expiry 15 minutes away
    // (and no retry delay, so the test need not wait out the default 10 s).
    await database.executeSql(
      `update pgboss.job set state = 'active', started_on = now(), retry_delay = 0, retry_backoff = false where id = $1`,
      [id],
    );

    const attempts: number[] = [];
    const worker = newQueue();
    worker.register(
      'test-orphaned',
      async (_data, job) => {
        attempts.push(job.retryCount);
      },
      { retryDelaySeconds: 0 },
    );
    await worker.start();

    if (testStorage === 'postgres') {
      // Another node may be running it: only its expiry hands it on.
      expect(await jobState(id)).toBe('active');
      return;
    }
    await waitFor(() => attempts.length === 1);
    expect(attempts).toEqual([1]);
    await waitFor(async () => (await jobState(id)) === 'completed');
  });

  it('keeps only one waiting job per singleton key', async () => {
    const queue = newQueue();
    await queue.start();

    const first = await queue.send('test-singleton', { v: 1 }, { singletonKey: 'document-1' });
    const second = await queue.send('test-singleton', { v: 2 }, { singletonKey: 'document-1' });
    const other = await queue.send('test-singleton', { v: 3 }, { singletonKey: 'document-2' });
    const unkeyed = [await queue.send('test-singleton', { v: 4 }), await queue.send('test-singleton', { v: 5 })];

    expect(first).toEqual(expect.any(String));
    expect(second).toBeNull();
    expect(other).toEqual(expect.any(String));
    expect(unkeyed).toEqual([expect.any(String), expect.any(String)]);
  });

  it('starts a delayed job no earlier than asked', async () => {
    const ranAt: number[] = [];
    const queue = newQueue();
    queue.register('test-delayed', async () => {
      ranAt.push(Date.now());
    });
    await queue.start();

    const sentAt = Date.now();
    await queue.send('test-delayed', {}, { startAfterSeconds: 2 });

    await waitFor(() => ranAt.length === 1);
    expect((ranAt[0] ?? 0) - sentAt).toBeGreaterThanOrEqual(1_900);
  });

  it('runs jobs side by side up to the concurrency', async () => {
    let running = 0;
    let mostAtOnce = 0;
    let finished = 0;
    const queue = newQueue();
    queue.register(
      'test-concurrency',
      async () => {
        running += 1;
        mostAtOnce = Math.max(mostAtOnce, running);
        await new Promise((resolve) => setTimeout(resolve, 300));
        running -= 1;
        finished += 1;
      },
      { concurrency: 3 },
    );
    await queue.start();

    for (let n = 0; n < 6; n += 1) await queue.send('test-concurrency', { n });

    await waitFor(() => finished === 6);
    expect(mostAtOnce).toBe(3);
  });

  it('hands a batch worker up to batchSize jobs at once, completes them together, and fails them together', async () => {
    const batches: number[][] = [];
    const queue = newQueue();
    queue.registerBatch<{ n: number }>(
      'test-batch',
      async (jobs) => {
        batches.push(jobs.map(({ data }) => data.n));
        if (jobs.some(({ data }) => data.n === 0)) throw new Error('this batch fails');
      },
      { concurrency: 1, batchSize: 3 },
    );
    // Queued by another node before this one starts, so its first fetch finds them all waiting.
    const sender = newQueue();
    await sender.start();
    await sender.sendMany(
      'test-batch',
      [0, 1, 2, 3, 4].map((n) => ({ data: { n }, singletonKey: `b${n}` })),
    );
    await queue.start();

    const states = async () => {
      const { rows } = await database.executeSql(
        `select (data->>'n')::int as n, state from pgboss.job where name = 'test-batch' order by 1`,
      );
      return rows as { n: number; state: string }[];
    };
    await waitFor(async () => (await states()).every(({ state }) => state === 'completed' || state === 'retry'));
    expect(batches.map((batch) => batch.length).sort()).toEqual([2, 3]);
    const failed = batches.find((batch) => batch.includes(0))!;
    expect(await states()).toEqual(
      [0, 1, 2, 3, 4].map((n) => ({ n, state: failed.includes(n) ? 'retry' : 'completed' })),
    );
  });

  it('stops only after a running handler has finished', async () => {
    let isFinished = false;
    let hasStarted = false;
    const queue = newQueue();
    queue.register('test-stop-waits', async () => {
      hasStarted = true;
      await new Promise((resolve) => setTimeout(resolve, 700));
      isFinished = true;
    });
    await queue.start();
    const id = await queue.send('test-stop-waits', {});
    await waitFor(() => hasStarted);

    await queue.stop({ graceMs: 5_000 });

    expect(isFinished).toBe(true);
    expect(await jobState(id ?? '')).toBe('completed');
  });

  it("aborts a handler's signal after the grace, and stops soon after it returns", async () => {
    let abortReason: unknown;
    let hasStarted = false;
    const queue = newQueue();
    queue.register('test-stop-aborts', async (_data, job) => {
      hasStarted = true;
      await new Promise((resolve) => job.signal.addEventListener('abort', resolve, { once: true }));
      abortReason = job.signal.reason;
    });
    await queue.start();
    const id = await queue.send('test-stop-aborts', {});
    await waitFor(() => hasStarted);

    const stoppingAt = Date.now();
    await queue.stop({ graceMs: 200 });

    expect(abortReason).toEqual(new Error('The job queue is stopping'));
    expect(Date.now() - stoppingAt).toBeLessThan(3_000);
    // Interrupted is not done: the job goes back for a retry, by this node or the next, and the
    // interruption is no failed attempt (rolling restarts would use up its retries).
    expect(await jobState(id ?? '')).toBe('retry');
    const next = newQueue();
    const attempts: number[] = [];
    next.register('test-stop-aborts', async (_data, job) => {
      attempts.push(job.retryCount);
    });
    await next.start();
    await waitFor(async () => (await jobState(id ?? '')) === 'completed');
    expect(attempts).toEqual([0]);
  });

  it('gives back a job whose fetch was still out when stop began, and queries nothing once stopped', async () => {
    // The real database, with pg-boss's fetches held back 300 ms: the worker woken by the send is still
    // waiting for its job when stop() is called.
    let isStopped = false;
    const queriesAfterStop: string[] = [];
    const slowFetches: DatabaseHandle = {
      ...database,
      executeSql: async (text, values) => {
        if (isStopped) queriesAfterStop.push(text);
        if (/SKIP LOCKED/.test(text)) await new Promise((resolve) => setTimeout(resolve, 300));
        return database.executeSql(text, values);
      },
    };
    let runs = 0;
    const queue = createJobQueue({ database: slowFetches, logger, pollIntervalSeconds: 60 });
    queue.register('test-stop-mid-fetch', async () => {
      runs += 1;
    });
    await queue.start();
    const id = await queue.send('test-stop-mid-fetch', {});

    await queue.stop({ graceMs: 1_000 });
    isStopped = true;
    await new Promise((resolve) => setTimeout(resolve, 600));

    expect(queriesAfterStop).toEqual([]);
    expect(runs).toBe(0);
    // Fetched, so taken from the queue; given back, so another node (or this one's next start) runs it.
    expect(await jobState(id ?? '')).toBe('retry');
    expect(await jobStartedOn(id ?? '')).toBeNull();
  });

  it("aborts a handler's signal when the job expires, and retries the job", async () => {
    const reasons: unknown[] = [];
    const queue = newQueue();
    queue.register(
      'test-expiry',
      async (_data, job) => {
        if (job.retryCount > 0) return;
        await new Promise((resolve) => job.signal.addEventListener('abort', resolve, { once: true }));
        reasons.push(job.signal.reason);
      },
      { expireInSeconds: 1, retryDelaySeconds: 0 },
    );
    await queue.start();

    const id = await queue.send('test-expiry', {});

    await waitFor(async () => (await jobState(id ?? '')) === 'completed');
    expect(reasons).toEqual([new Error(`Job ${id} ran past its expiry`)]);
  });

  it('refuses to send before start, and to register after it', async () => {
    const queue = newQueue();
    await expect(queue.send('test-order', {})).rejects.toThrow('before the job queue was started');
    await queue.start();
    expect(() => queue.register('test-order', async () => undefined)).toThrow('registered after start()');
  });
});

describe.skipIf(testStorage !== 'postgres')('job leases, on PostgreSQL', () => {
  /**
   * What a node that died mid-job leaves: the job active since `startedAgo` (its expiry 15 minutes away,
   * no retry delay so the test need not wait the default 10 s), with or without a lease row.
   */
  async function abandonActiveJob(queueName: string, startedAgo: string): Promise<string> {
    const sender = newQueue();
    await sender.start();
    const id = (await sender.send(queueName, {}))!;
    await sender.stop();
    await database.executeSql(
      `update pgboss.job set state = 'active', started_on = now() - $2::interval, retry_delay = 0,
         retry_backoff = false where id = $1`,
      [id, startedAgo],
    );
    return id;
  }

  /** Another node's queue, with a short lease, runs the job to its end; the attempts it made, by retry count. */
  async function runOnSurvivor(queueName: string, id: string): Promise<number[]> {
    const attempts: number[] = [];
    const survivor = newQueue({ leaseSeconds: 2 });
    survivor.register(queueName, async (_data, job) => void attempts.push(job.retryCount), {
      retryDelaySeconds: 0,
    });
    await survivor.start();
    await waitFor(async () => (await jobState(id)) === 'completed');
    return attempts;
  }

  it("sends a job whose node stopped renewing its lease to its retry, long before the job's expiry", async () => {
    const id = await abandonActiveJob('test-abandoned', '0 seconds');
    // Its lease last renewed a minute ago.
    await database.executeSql(
      `insert into job_leases (job_id, queue, renewed_at) values ($1, 'test-abandoned', now() - interval '1 minute')`,
      [id],
    );

    expect(await runOnSurvivor('test-abandoned', id)).toEqual([1]);
    expect(logLines.some((line) => line.includes('Jobs of a node that stopped go to their retry'))).toBe(true);
    const { rows } = await database.executeSql('select job_id from job_leases where job_id = $1', [id]);
    expect(rows).toEqual([]);
  });

  it('sends a job its node took but died before leasing to its retry too, once it has been active a whole lease', async () => {
    // pg-boss marked it active as it handed it out; the node died before writing its lease row.
    const id = await abandonActiveJob('test-unleased', '1 minute');
    expect(await runOnSurvivor('test-unleased', id)).toEqual([1]);
  });

  it('keeps renewing the lease of a job that runs longer than it, which then runs once', async () => {
    const attempts: number[] = [];
    const queue = newQueue({ leaseSeconds: 1 });
    queue.register('test-long-lease', async (_data, job) => {
      attempts.push(job.retryCount);
      await new Promise((resolve) => setTimeout(resolve, 2_500));
    });
    await queue.start();

    const id = (await queue.send('test-long-lease', {}))!;

    await waitFor(async () => (await jobState(id)) === 'completed');
    expect(attempts).toEqual([0]);
  });
});

describe.skipIf(testStorage !== 'postgres')('nodes starting at once, on PostgreSQL', () => {
  it('all start on a fresh database: one at a time creates the job queue’s schema and queues', async () => {
    const fresh = await createTestDatabase({ neverStarted: true });
    const queues = Array.from({ length: 3 }, () => {
      const queue = createJobQueue({ database: fresh, logger, pollIntervalSeconds: 0.5 });
      queue.register('probe', async () => undefined);
      return queue;
    });
    try {
      const started = await Promise.allSettled(queues.map((queue) => queue.start()));
      expect(started.map((result) => (result.status === 'rejected' ? String(result.reason) : 'started'))).toEqual([
        'started',
        'started',
        'started',
      ]);
    } finally {
      for (const queue of queues) await queue.stop({ graceMs: 0 }).catch(() => undefined);
      await fresh.dispose();
    }
  }, 60_000);
});
