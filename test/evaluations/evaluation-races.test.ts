import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, eventually } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';

interface Run {
  id: string;
  status: string;
  progress: { done: number; total: number };
  summary: { answered: number }[];
}

const rounds = 50;

/**
 * Issue 67's state changes raced, 50 rounds each: runs started a few milliseconds apart on two nodes at
 * a tenant's bound (exactly the bound's number go), and a stop racing the job that starts the run (the
 * run ends once, stopped or completed, its totals those of its stored answers).
 */
describe('evaluation runs raced', () => {
  /** Queues runs but never runs them: its runs stay queued, the bound's state held. */
  let queueing: TestApp;
  let other: TestApp;
  let admin: SignedInUser;
  let agentId: string;
  let setId: string;

  beforeAll(async () => {
    queueing = await buildTestApp({}, { runsJobs: false });
    other = await buildTestApp({}, { sharedDatabase: queueing.database, runsJobs: false });
    admin = await createTenantWithAdmin(queueing.app, await registerPlatformAdmin(queueing.app), 'Races');
    agentId = (await createAgent(queueing.app, admin, { model: 'offline' })).id;
    const set = await queueing.app.inject({
      method: 'POST',
      url: '/v1/evaluation-sets',
      headers: admin.headers,
      payload: { name: 'Raced' },
    });
    setId = set.json<{ id: string }>().id;
    const imported = await queueing.app.inject({
      method: 'POST',
      url: `/v1/evaluation-sets/${setId}/imports`,
      headers: admin.headers,
      payload: { format: 'jsonl', content: '{"question":"One?"}\n{"question":"Two?"}\n{"question":"Three?"}' },
    });
    expect(imported.statusCode, imported.body).toBe(200);
  }, 120_000);
  afterAll(async () => {
    await other?.close();
    await queueing?.close();
  });

  const start = (node: TestApp) =>
    node.app.inject({
      method: 'POST',
      url: '/v1/evaluation-runs',
      headers: admin.headers,
      payload: { setId, agentId, arms: [{}] },
    });
  const stop = (node: TestApp, id: string) =>
    node.app.inject({ method: 'POST', url: `/v1/evaluation-runs/${id}/stop`, headers: admin.headers });

  it('lets exactly two runs of a tenant go at once, however close three starts come on two nodes', async () => {
    for (let round = 0; round < rounds; round += 1) {
      const answers = await Promise.all([start(queueing), start(other), start(round % 2 ? queueing : other)]);
      const statuses = answers.map((answer) => answer.statusCode).sort();
      expect(statuses, `round ${round}: ${answers.map((answer) => answer.body).join(' | ')}`).toEqual([201, 201, 429]);
      // Stopped while queued: over at once, so the next round starts from none going.
      for (const answer of answers.filter((each) => each.statusCode === 201)) {
        const stopped = await stop(round % 2 ? other : queueing, answer.json<Run>().id);
        expect(stopped.json<Run>().status).toBe('stopped');
      }
    }
  });

  it('queues again the job of a run left queued without one (its node died before sending it)', async () => {
    const started = (await start(queueing)).json<Run>();
    // As if the node had died between storing the run and queueing its job, two minutes ago.
    await queueing.database.executeSql(`delete from pgboss.job where name = 'evaluation-run' and data->>'runId' = $1`, [
      started.id,
    ]);
    await queueing.database.executeSql(
      `update evaluation_runs set created_at = now() - interval '5 minutes' where id = $1`,
      [started.id],
    );
    // A node that runs jobs sweeps as it starts.
    const runner = await buildTestApp({}, { sharedDatabase: queueing.database });
    try {
      const ended = await eventually(async () => {
        const seen = (
          await runner.app.inject({ method: 'GET', url: `/v1/evaluation-runs/${started.id}`, headers: admin.headers })
        ).json<Run>();
        return seen.status === 'completed' ? seen : undefined;
      }, 30_000);
      expect(ended.progress).toEqual({ done: 3, total: 3 });
    } finally {
      await runner.close();
    }
  });

  it('ends a run once when a stop races the job that starts it', async () => {
    const runner = await buildTestApp({}, { sharedDatabase: queueing.database });
    try {
      for (let round = 0; round < rounds; round += 1) {
        const run = (await start(runner)).json<Run>();
        await new Promise((resolve) => setTimeout(resolve, round % 5));
        const stopped = await stop(other, run.id);
        expect(stopped.statusCode).toBe(200);
        const ended = await eventually(async () => {
          const seen = (
            await other.app.inject({ method: 'GET', url: `/v1/evaluation-runs/${run.id}`, headers: admin.headers })
          ).json<Run>();
          return seen.status === 'queued' || seen.status === 'running' ? undefined : seen;
        }, 30_000);
        expect(['stopped', 'completed']).toContain(ended.status);
        // Its totals are its stored answers: none counted that was not written, none written after.
        const cases = await other.app.inject({
          method: 'GET',
          url: `/v1/evaluation-runs/${run.id}/cases`,
          headers: admin.headers,
        });
        const stored = cases
          .json<{ items: { answers: unknown[] }[] }>()
          .items.filter((item) => item.answers[0] !== null);
        expect(ended.summary[0]!.answered, `round ${round}`).toBe(stored.length);
        expect(ended.progress.done).toBe(stored.length);
        if (ended.status === 'completed') expect(ended.progress.done).toBe(3);
      }
    } finally {
      await runner.close();
    }
  });
});
