import type { ParleyInstance, SentStatement } from './parley-instance.js';
import { profileModelId, type ReplyProfile } from './mock-llm.js';

/** A turn's statements, counted at the server's driver: before the model call and after it (issue 63). */
export interface RoundTripCount {
  readonly label: string;
  readonly storage: string;
  readonly kind: 'warm' | 'cold';
  readonly turns: number;
  /** Per turn: the median, and the most any turn made. */
  readonly beforeMedian: number;
  readonly beforeMost: number;
  readonly afterMedian: number;
  readonly afterMost: number;
  /** The statements of the last turn of the kind, as sent (prepared names where they have one). */
  readonly lastTurn: { readonly before: readonly string[]; readonly after: readonly string[] };
}

interface TurnWindow {
  readonly startedAt: number;
  readonly modelAt: number;
  readonly endedAt: number;
}

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

/**
 * Sends `warm` turns back to back, then `cold` turns each after the tenant was idle `coldIdleMs`, one at a
 * time (so no two turns' statements overlap), and counts each turn's statements between its request and
 * the mock receiving its model call (before), and from then until its reply ended (after). The server's
 * timers are left out at the driver; what else falls in a window (a title job after the first turn) is
 * counted, which is why the median is the figure and the last turn's statements are listed.
 */
export async function countRoundTrips(
  instance: ParleyInstance,
  mockUrl: string,
  options: {
    readonly profile: ReplyProfile;
    readonly warm: number;
    readonly cold: number;
    readonly coldIdleMs: number;
  },
): Promise<RoundTripCount[]> {
  const { client, admin } = instance;
  const agentId = await client.createAgent(admin, 'Round trips', `bench:${profileModelId(options.profile)}`);
  const conversationId = await client.createConversation(admin, agentId);
  const lastModelCall = async () =>
    ((await (await fetch(`${mockUrl}/_stats`)).json()) as { lastStreamAt: number }).lastStreamAt;
  const sendOne = async (content: string): Promise<TurnWindow> => {
    const startedAt = performance.timeOrigin + performance.now();
    const timing = await client.sendMessage(admin, conversationId, content);
    const endedAt = performance.timeOrigin + performance.now();
    if (!timing.isComplete) throw new Error(`a counted turn failed: ${timing.error ?? 'incomplete'}`);
    return { startedAt, modelAt: await lastModelCall(), endedAt };
  };
  // The first turn writes the title and fills the node's copies: not counted.
  await sendOne('warming the conversation');
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  await instance.sentStatements();
  const windows: { kind: 'warm' | 'cold'; window: TurnWindow }[] = [];
  for (let turn = 0; turn < options.warm; turn += 1) {
    windows.push({ kind: 'warm', window: await sendOne(`warm turn ${turn}`) });
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  for (let turn = 0; turn < options.cold; turn += 1) {
    await new Promise((resolve) => setTimeout(resolve, options.coldIdleMs));
    windows.push({ kind: 'cold', window: await sendOne(`cold turn ${turn}`) });
  }
  const sent = await instance.sentStatements();
  const within = (from: number, to: number) => sent.filter((statement) => statement.at >= from && statement.at < to);
  const counted = windows.map(({ kind, window }) => ({
    kind,
    before: within(window.startedAt, window.modelAt),
    after: within(window.modelAt, window.endedAt),
  }));
  const texts = (statements: readonly SentStatement[]) => statements.map((statement) => statement.text);
  return (['warm', 'cold'] as const).flatMap((kind) => {
    const turns = counted.filter((turn) => turn.kind === kind);
    const last = turns.at(-1);
    if (!last) return [];
    const before = turns.map((turn) => turn.before.length);
    const after = turns.map((turn) => turn.after.length);
    return [
      {
        label: instance.label,
        storage: instance.storage.kind,
        kind,
        turns: turns.length,
        beforeMedian: median(before),
        beforeMost: Math.max(...before),
        afterMedian: median(after),
        afterMost: Math.max(...after),
        lastTurn: { before: texts(last.before), after: texts(last.after) },
      },
    ];
  });
}

/** The counts as a report section. */
export function renderRoundTrips(counts: readonly RoundTripCount[]): string {
  if (counts.length === 0) return '';
  const rows = counts.map(
    (count) =>
      `| ${count.label} | ${count.kind} | ${count.turns} | ${count.beforeMedian} (most ${count.beforeMost}) | ${count.afterMedian} (most ${count.afterMost}) |`,
  );
  const listed = counts.map(
    (count) =>
      `- ${count.label}, last ${count.kind} turn — before: ${count.lastTurn.before.join('; ') || 'none'}; after: ${count.lastTurn.after.join('; ') || 'none'}`,
  );
  return [
    '## Round trips per turn, counted at the server’s driver',
    '',
    'Each `pg.Client#query` (PostgreSQL) or request to the PGlite thread (embedded), noted in the server by',
    '`bench/chat/statement-counter.mjs`; before: from the request to the mock receiving the model call;',
    'after: from then to the reply’s end. Cold: the tenant idle before each turn.',
    '',
    '| target | turns | n | before the model (median) | after it (median) |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    ...listed,
    '',
  ].join('\n');
}
