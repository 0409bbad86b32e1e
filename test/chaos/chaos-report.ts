import type { ClientKind, ClientOperation, FaultWindow, History } from './chaos-history.js';
import type { InvariantCounts } from './chaos-checks.js';
import type { LoggedError } from './chaos-cluster.js';
import type { WatchedLog } from './chaos-sockets.js';

const kinds: readonly ClientKind[] = ['chat', 'openai', 'widget', 'mail', 'operator', 'import'];

/** `ok/retried/cut/failed` of a set of operations, the way each table cell shows them. */
const tally = (operations: readonly ClientOperation[]) => {
  const count = (outcome: ClientOperation['outcome']) => operations.filter((each) => each.outcome === outcome).length;
  return `${operations.length}: ${count('ok')}/${count('retried')}/${count('cut-resumed')}/${count('failed')}`;
};

/** From a fault's end to the end of the first chat turn that went through after it, in ms. */
function recoveryMs(history: History, window: FaultWindow): string {
  const next = history.operations
    .filter((each) => each.kind === 'chat' && each.outcome !== 'failed' && each.endedAt > window.endedAt)
    .sort((a, b) => a.endedAt - b.endedAt)[0];
  return next ? String(next.endedAt - window.endedAt) : 'none';
}

/**
 * The nodes' `error` lines, one row per message with its count and first and last example: what explains
 * a 500 or a finding once the nodes' data directories are gone.
 */
function errorLines(loggedErrors: readonly LoggedError[]): string[] {
  if (loggedErrors.length === 0) return ['Errors the nodes logged: none.'];
  const byMessage = new Map<string, LoggedError[]>();
  for (const each of loggedErrors) byMessage.set(each.message, [...(byMessage.get(each.message) ?? []), each]);
  const cell = (each: LoggedError) => `${each.node} ${each.time.slice(11, 23)} ${each.detail}`.replaceAll('|', '/');
  return [
    `Errors the nodes logged: ${loggedErrors.length}.`,
    '',
    '| message | times | first | last |',
    '| --- | --- | --- | --- |',
    ...[...byMessage].map(
      ([message, each]) =>
        `| ${message.replaceAll('|', '/')} | ${each.length} | ${cell(each[0]!)} | ${cell(each.at(-1)!)} |`,
    ),
  ];
}

/** The run as Markdown: one row per fault window, the calm spells, the sockets, and the invariants. */
export function chaosReport(
  history: History,
  invariants: InvariantCounts,
  watched: readonly WatchedLog[],
  meta: { seconds: number; nodes: number; loadBefore: string; loadAfter: string },
  loggedErrors: readonly LoggedError[] = [],
): string {
  const header = `| fault | ${kinds.join(' | ')} | statuses seen | recovery ms |`;
  const statusesOf = (operations: readonly ClientOperation[]) => {
    const seen = new Map<number, number>();
    for (const status of operations.flatMap((each) => each.statuses)) seen.set(status, (seen.get(status) ?? 0) + 1);
    return [...seen]
      .sort(([a], [b]) => a - b)
      .map(([status, times]) => `${status}×${times}`)
      .join(' ');
  };
  const row = (name: string, operations: readonly ClientOperation[], recovery: string) =>
    `| ${name} | ${kinds.map((kind) => tally(operations.filter((each) => each.kind === kind))).join(' | ')} | ${statusesOf(operations)} | ${recovery} |`;
  const lines = [
    `Chaos run: ${meta.seconds} s, ${meta.nodes} nodes on PostgreSQL + Redis behind a balancer; load average ${meta.loadBefore} before, ${meta.loadAfter} after.`,
    '',
    'Cells: operations begun in the window: ok / ok after retries / stream cut, reply followed to its end / failed.',
    '',
    header,
    `|${' --- |'.repeat(kinds.length + 3)}`,
    ...history.faults.map((window) => row(window.name, history.during(window), recoveryMs(history, window))),
    row('(no fault)', history.during(), '-'),
    row('**all**', history.operations, '-'),
    '',
    `Sockets: ${watched.length}, reconnected ${watched.reduce((sum, log) => sum + log.reconnects, 0)} times, ` +
      `${watched.reduce((sum, log) => sum + log.failedSubscriptions, 0)} subscriptions refused; ` +
      `${watched.reduce((sum, log) => sum + [...log.seqs.values()].reduce((n, seqs) => n + seqs.length, 0), 0)} log events kept.`,
    '',
    'Failed operations (up to 5): ' +
      (history.operations
        .filter((each) => each.outcome === 'failed')
        .slice(0, 5)
        .map(
          (each) => `${each.kind} ${each.content ?? ''}: ${each.detail ?? ''} [${each.statuses.slice(-3).join(' ')}]`,
        )
        .join('; ') || 'none'),
    '',
    ...errorLines(loggedErrors),
    '',
    '| invariant | violations | examples |',
    '| --- | --- | --- |',
    ...Object.entries(invariants.counts).map(
      ([name, count]) => `| ${name} | ${count} | ${invariants.examples[name]?.join('; ') ?? ''} |`,
    ),
  ];
  return lines.join('\n');
}
