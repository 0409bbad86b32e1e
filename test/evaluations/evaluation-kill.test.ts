import { once } from 'node:events';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnServe, waitForReady } from '../cli/server-process.js';
import { migratedDataDir } from '../cli/data-dir-template.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { createScaledOutNodes, isScaledOut, type ScaledOutNodes } from '../harness/scaled-out-nodes.js';
import { testStorage } from '../harness/test-database.js';

interface Run {
  id: string;
  status: string;
  progress: { done: number; total: number };
  summary: { answered: number; passed: number }[];
}

const caseCount = 8;

/**
 * Issue 67: a run is a job that outlives its node. The node answering it is killed (SIGKILL, nothing
 * said) with cases left; embedded storage starts again on the same DATA_DIR, or on PostgreSQL another
 * node sends the dead node's job to its retry once its lease lapses. The run then finishes, every case
 * answered once, and the ledger holds what was really called.
 */
describe.runIf(testStorage === 'embedded' || isScaledOut)('an evaluation run whose node is killed', () => {
  let fake: FakeOpenAIServer;
  let nodes: ScaledOutNodes | undefined;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    // Slow enough that the kill lands mid-run: about a second a case, one case at a time per lane.
    fake = await startFakeOpenAIServer({
      replyTokens: ['Parcels', ' go', ' back', ' within', ' 30 days.'],
      tokenDelayMs: 150,
    });
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await nodes?.stop();
    await fake?.close();
  });

  const env = () => ({ OPENAI_API_KEY: 'sk-kill', OPENAI_BASE_URL: fake.baseUrl, JOB_LEASE_STALE_MS: '3000' });
  /** A node: on embedded storage a process on `dataDir`; on PostgreSQL one more node of the cluster. */
  const startNode = async (dataDir: string): Promise<{ child: ChildProcess; baseUrl: string }> => {
    if (nodes) return nodes.start();
    const node = await spawnServe({ dataDir, env: env() });
    children.push(node.child);
    await waitForReady(node.baseUrl, node.child);
    return node;
  };
  const request = async <T>(
    base: string,
    method: string,
    url: string,
    headers: Record<string, string>,
    body?: object,
  ) => {
    const response = await fetch(`${base}${url}`, { method, headers, ...(body && { body: JSON.stringify(body) }) });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${text}`);
    return JSON.parse(text) as T;
  };

  it('finishes on the next node with every case answered once', { timeout: 240_000 }, async () => {
    if (isScaledOut) nodes = await createScaledOutNodes('evaluation-kill', env());
    const dataDir = migratedDataDir('parley-evaluation-kill-');
    const firstNode = await startNode(dataDir);
    const first = firstNode.baseUrl;
    const json = { 'content-type': 'application/json' };
    const session = await request<{ accessToken: string }>(first, 'POST', '/v1/auth/register', json, {
      email: 'evaluator@example.test',
      password: 'a long password',
    });
    const auth = { ...json, authorization: `Bearer ${session.accessToken}` };
    const agent = await request<{ id: string }>(first, 'POST', '/v1/agents', auth, {
      name: 'Desk',
      model: 'openai:gpt-4o-mini',
    });
    const set = await request<{ id: string }>(first, 'POST', '/v1/evaluation-sets', auth, { name: 'Night run' });
    const jsonl = Array.from({ length: caseCount }, (_, index) =>
      JSON.stringify({ question: `Question ${index}: how long for returns?`, mustInclude: ['30 days'] }),
    ).join('\n');
    await request(first, 'POST', `/v1/evaluation-sets/${set.id}/imports`, auth, { format: 'jsonl', content: jsonl });
    const started = await request<Run>(first, 'POST', '/v1/evaluation-runs', auth, {
      setId: set.id,
      agentId: agent.id,
      arms: [{}],
    });

    // Killed once two cases are stored and others are being answered.
    let doneAtKill = 0;
    while (doneAtKill < 2) {
      doneAtKill = (await request<Run>(first, 'GET', `/v1/evaluation-runs/${started.id}`, auth)).progress.done;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const exited = once(firstNode.child, 'exit');
    firstNode.child.kill('SIGKILL');
    await exited;

    const second = (await startNode(dataDir)).baseUrl;
    let finished: Run | undefined;
    for (const deadline = Date.now() + 180_000; Date.now() < deadline;) {
      const run = await request<Run>(second, 'GET', `/v1/evaluation-runs/${started.id}`, auth);
      if (run.status !== 'queued' && run.status !== 'running') {
        finished = run;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    // The kill came with cases left for the next node.
    expect(doneAtKill).toBeLessThan(caseCount);
    expect(finished).toMatchObject({ status: 'completed', progress: { done: caseCount, total: caseCount } });
    expect(finished!.summary[0]).toMatchObject({ answered: caseCount, passed: caseCount });
    // Each case once in the comparison: no case lost, none doubled by the retry.
    const cases = await request<{ items: { index: number; answers: unknown[] }[] }>(
      second,
      'GET',
      `/v1/evaluation-runs/${started.id}/cases?limit=100`,
      auth,
    );
    expect(cases.items.map((item) => item.index)).toEqual(Array.from({ length: caseCount }, (_, index) => index));
    expect(cases.items.every((item) => item.answers.length === 1 && item.answers[0] !== null)).toBe(true);
  });
});
