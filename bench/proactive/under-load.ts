/**
 * The load phase of `npm run bench:proactive`: chat turns (time to first token) and the operator's
 * support queue (tabs and counts), timed alone, then while proactive passes run back to back and a
 * knowledge ingestion indexes a large document through the real upload path (pg-boss job, parse,
 * offline embeddings, index writes), then alone again. Reports p50/p95, the ratios, the server thread's
 * event-loop delay and, when the PGlite thread's wait log is on (wait-log.ts), which background
 * statement each waiting request's statement was behind. The decisions the passes queue run as jobs
 * too: the mock model's reply is no decision, so each fails and is retried later, as background work.
 */
import { existsSync, readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { runAsBackgroundWork } from '../../src/platform/db/background-work.js';
import { requestJson } from '../chat/http-client.js';
import { percentile } from '../chat/load.js';
import type { ParleyClient, Session } from '../chat/parley-api.js';
import { fileUpload, uploadContentType } from '../retrieval/bench-app.js';
import { deskRequests } from '../support/desk-timing.js';
import { seedDesk } from '../support/desk-seed.js';

type Sql = (text: string, values?: unknown[]) => Promise<{ rows: unknown[] }>;

export interface LoadPhaseInput {
  readonly kind: string;
  readonly baseUrl: string;
  readonly client: ParleyClient;
  readonly admin: Session;
  readonly agentId: string;
  readonly sql: Sql;
  readonly runProactivePass: () => Promise<unknown>;
  /** Clears the claims and queued decisions, so every pass claims its 1,000 again. */
  readonly resetClaims: () => Promise<void>;
  /** Recounts the analytics of what the seed changed, so the timed rounds do not carry that backlog. */
  readonly settleRollups: () => Promise<void>;
  readonly settings: { rounds: number; deskConversations: number; deskContacts: number; documentPages: number };
  readonly waitLogFile: string | undefined;
  readonly load: () => string;
}

const queueRequests = deskRequests().filter((request) => request.group === 'queue');

interface Samples {
  ttft: number[];
  queue: number[];
  queueByKind: Map<string, number[]>;
  loopDelayP50: number;
  loopDelayP99: number;
}

export async function measureUnderLoad(input: LoadPhaseInput): Promise<string[]> {
  const { client, admin, sql, settings } = input;
  const operatorEmail = `operator-${input.kind}@bench.test`;
  const operator = await client.createUser(admin, operatorEmail, 'operator');
  const inbox = await requestJson('POST', `${input.baseUrl}/v1/inboxes`, {
    headers: { authorization: `Bearer ${admin.accessToken}` },
    body: { name: 'Website', allowedOrigins: ['https://shop.example'] },
  });
  const deskSeeded = performance.now();
  await seedDesk(
    {
      query: async (text, values) => (await sql(text, values)).rows as Record<string, unknown>[],
      recordingDb: unused,
      close: async () => undefined,
    },
    { tenantId: admin.tenantId, inboxIds: [String((inbox.body as { id: string }).id)], operatorIds: [operator.id] },
    { conversations: settings.deskConversations, contacts: settings.deskContacts },
  );
  const deskSeconds = (performance.now() - deskSeeded) / 1000;
  await input.settleRollups();
  const operatorSession = await client.login(operatorEmail);
  const conversationId = await client.createConversation(admin, input.agentId);
  const source = await requestJson('POST', `${input.baseUrl}/v1/knowledge-sources`, {
    headers: { authorization: `Bearer ${admin.accessToken}` },
    body: { name: 'Handbook' },
  });
  const sourceId = String((source.body as { id: string }).id);

  const timeRounds = async (label: string, rounds: number): Promise<Samples> => {
    const samples: Samples = { ttft: [], queue: [], queueByKind: new Map(), loopDelayP50: 0, loopDelayP99: 0 };
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    for (let round = 0; round < rounds; round += 1) {
      samples.ttft.push((await client.sendMessage(admin, conversationId, `${label} turn ${round}`)).ttftMs);
      for (const request of queueRequests) {
        const response = await client.get(operatorSession, request.paths[0]!);
        samples.queue.push(response.elapsedMs);
        const list = samples.queueByKind.get(request.kind) ?? [];
        list.push(response.elapsedMs);
        samples.queueByKind.set(request.kind, list);
      }
    }
    loop.disable();
    samples.loopDelayP50 = loop.percentile(50) / 1e6;
    samples.loopDelayP99 = loop.percentile(99) / 1e6;
    return samples;
  };

  await input.resetClaims();
  await timeRounds('warm-up', 5);
  const aloneBefore = await timeRounds('alone', Math.ceil(settings.rounds / 2));

  // The load: passes back to back (each from a clean state, the reset being background work too) and
  // one document after another uploaded and indexed, until the loaded rounds are done.
  let loaded = true;
  let passes = 0;
  const passLoop = (async () => {
    while (loaded) {
      await runAsBackgroundWork(input.resetClaims);
      await input.runProactivePass();
      passes += 1;
    }
  })();
  const indexed: number[] = [];
  let firstIndexing: Promise<void> | undefined;
  const ingestionLoop = (async () => {
    let number = 0;
    while (loaded) {
      number += 1;
      const started = performance.now();
      const documentId = await upload(input, sourceId, number);
      // The document in progress when the loaded rounds end is waited for: the rounds after are alone.
      const ready = untilReady(sql, documentId);
      firstIndexing ??= untilIndexing(sql, documentId);
      await ready;
      indexed.push((performance.now() - started) / 1000);
    }
  })();
  while (!firstIndexing) await new Promise((resolve) => setTimeout(resolve, 50));
  await firstIndexing;
  const loadStartedAt = Date.now();
  const loadedSamples = await timeRounds('loaded', settings.rounds);
  const loadEndedAt = Date.now();
  loaded = false;
  await Promise.all([passLoop, ingestionLoop]);
  await input.resetClaims();
  const aloneAfter = await timeRounds('alone', Math.floor(settings.rounds / 2));

  const alone: Samples = {
    ttft: [...aloneBefore.ttft, ...aloneAfter.ttft],
    queue: [...aloneBefore.queue, ...aloneAfter.queue],
    queueByKind: new Map(
      queueRequests.map((r) => [
        r.kind,
        [...(aloneBefore.queueByKind.get(r.kind) ?? []), ...(aloneAfter.queueByKind.get(r.kind) ?? [])],
      ]),
    ),
    loopDelayP50: Math.max(aloneBefore.loopDelayP50, aloneAfter.loopDelayP50),
    loopDelayP99: Math.max(aloneBefore.loopDelayP99, aloneAfter.loopDelayP99),
  };
  return report(input, { alone, loaded: loadedSamples, passes, indexed, deskSeconds, loadStartedAt, loadEndedAt });
}

const unused = (): never => {
  throw new Error('not used by the seed');
};

/** `pages` of plain text (~3,000 characters a page), different words per document. */
function documentText(pages: number, seed: number): string {
  const words = [
    'index',
    'session',
    'queue',
    'reply',
    'agent',
    'token',
    'desk',
    'ticket',
    'refund',
    'invoice',
    'server',
    'thread',
    'memory',
    'vector',
    'search',
    'policy',
    'account',
    'billing',
    'shipping',
    'warranty',
  ];
  let state = seed * 2654435761;
  const next = () => (state = (state * 1103515245 + 12345) % 2147483648);
  const paragraphs: string[] = [];
  for (let page = 0; page < pages; page += 1) {
    for (let paragraph = 0; paragraph < 5; paragraph += 1) {
      const sentence: string[] = [`Page ${page + 1}, section ${paragraph + 1}.`];
      for (let word = 0; word < 90; word += 1) sentence.push(`${words[next() % words.length]!}${next() % 97}`);
      paragraphs.push(`${sentence.join(' ')}.`);
    }
  }
  return paragraphs.join('\n\n');
}

async function upload(input: LoadPhaseInput, sourceId: string, number: number): Promise<string> {
  const content = Buffer.from(`Handbook ${number}\n\n${documentText(input.settings.documentPages, number)}`, 'utf8');
  const response = await fetch(`${input.baseUrl}/v1/knowledge-sources/${sourceId}/documents`, {
    method: 'POST',
    headers: { authorization: `Bearer ${input.admin.accessToken}`, 'content-type': uploadContentType },
    body: new Uint8Array(fileUpload(`handbook-${number}.txt`, 'text/plain', content)),
  });
  if (response.status !== 202) throw new Error(`upload answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { id: string }).id;
}

async function statusOf(sql: Sql, documentId: string): Promise<string> {
  const { rows } = await sql('select status from knowledge_documents where id = $1', [documentId]);
  return String((rows[0] as { status: string } | undefined)?.status);
}

/** Once the document is ready; throws if it failed. */
async function untilReady(sql: Sql, documentId: string): Promise<void> {
  for (;;) {
    const status = await statusOf(sql, documentId);
    if (status === 'ready') return;
    if (status === 'failed' || status === 'cancelled') throw new Error(`the document's ingestion ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Once its chunks are being written (the index writer's transactions hold the session from then on). */
async function untilIndexing(sql: Sql, documentId: string): Promise<void> {
  for (;;) {
    const { rows } = await sql('select count(*)::int as n from knowledge_chunks where document_id = $1', [documentId]);
    if (((rows[0] as { n: number }).n ?? 0) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface Measured {
  alone: Samples;
  loaded: Samples;
  passes: number;
  indexed: number[];
  deskSeconds: number;
  loadStartedAt: number;
  loadEndedAt: number;
}

const ms = (value: number) => `${value.toFixed(1)} ms`;
const pct = (values: number[], p: number) => percentile(values, p / 100);

function report(input: LoadPhaseInput, m: Measured): string[] {
  const { alone, loaded } = m;
  const ttftRatio = pct(loaded.ttft, 50) / pct(alone.ttft, 50);
  const lines = [
    `- Under load (${input.settings.rounds} rounds of one turn and the ${queueRequests.length} queue reads, alone half before and half after): ` +
      `desk of ${input.settings.deskConversations.toLocaleString('en')} support conversations seeded in ${m.deskSeconds.toFixed(1)} s; ` +
      `${m.passes} proactive passes back to back and documents of ${input.settings.documentPages} pages indexed one after another ` +
      `during the loaded rounds (${m.indexed.length}, each ready after ${m.indexed.map((s) => `${s.toFixed(1)} s`).join(', ')} from its upload). Load average: ${input.load()}.`,
    `  - Chat TTFT p50 alone **${ms(pct(alone.ttft, 50))}** (p95 ${ms(pct(alone.ttft, 95))}), loaded **${ms(pct(loaded.ttft, 50))}** ` +
      `(p95 ${ms(pct(loaded.ttft, 95))}): **${ttftRatio.toFixed(2)}×** (target ≤ 1.5×).`,
    `  - Support queue (all six reads) p95 alone **${ms(pct(alone.queue, 95))}** (p50 ${ms(pct(alone.queue, 50))}), loaded ` +
      `**${ms(pct(loaded.queue, 95))}** (p50 ${ms(pct(loaded.queue, 50))}); target ≤ ${input.kind === 'postgres' ? 15 : 30} ms loaded.`,
    ...queueRequests.map((request) => {
      const a = alone.queueByKind.get(request.kind) ?? [];
      const l = loaded.queueByKind.get(request.kind) ?? [];
      return `    - ${request.kind}: p50/p95 alone ${ms(pct(a, 50))} / ${ms(pct(a, 95))}, loaded ${ms(pct(l, 50))} / ${ms(pct(l, 95))}`;
    }),
    `  - Server thread's event-loop delay p50/p99: alone ${ms(alone.loopDelayP50)} / ${ms(alone.loopDelayP99)}, loaded ${ms(loaded.loopDelayP50)} / ${ms(loaded.loopDelayP99)}.`,
  ];
  if (input.waitLogFile) lines.push(...waitReport(input.waitLogFile, m.loadStartedAt, m.loadEndedAt));
  return lines;
}

/** The loaded rounds' waits behind background statements, by what held the session (wait-log.ts). */
function waitReport(file: string, from: number, to: number): string[] {
  // No file: no request's statement ever found a background item in progress.
  if (!existsSync(file)) return ['  - Wait log: empty (no request waited behind background work).'];
  const text = readFileSync(file, 'utf8');
  const byHolder = new Map<string, number[]>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const wait = JSON.parse(line) as { at: number; waitedMs: number; heldBy: string };
    if (wait.at < from || wait.at > to) continue;
    const list = byHolder.get(wait.heldBy) ?? [];
    list.push(wait.waitedMs);
    byHolder.set(wait.heldBy, list);
  }
  const rows = [...byHolder.entries()]
    .map(([holder, waits]) => ({ holder, waits, total: waits.reduce((sum, value) => sum + value, 0) }))
    .sort((a, b) => b.total - a.total)
    .slice(0, 8);
  return [
    `  - Requests' statements behind background work during the loaded rounds (PGlite thread's wait log), by holder, most total wait first:`,
    ...rows.map(
      ({ holder, waits, total }) =>
        `    - ${waits.length}× total ${ms(total)}, p50 ${ms(pct(waits, 50))}, max ${ms(Math.max(...waits))}: \`${holder}\``,
    ),
  ];
}
