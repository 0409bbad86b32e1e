import type { ExplainedDeskQuery } from './desk-explain.js';
import type { DeskTimingRow } from './desk-timing.js';
import type { NoticeRow } from './notice-latency.js';

const targets = { postgres: 15, embedded: 30 } as Record<string, number>;
const ratioTarget = 1.3;
const noticeTarget = 50;

const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : '—');
const loads = (values: number[]) => values.map((value) => value.toFixed(1)).join(' → ');

/** One run of the support bench as Markdown: settings, machine, each figure beside its target. */
export function renderDeskRun(run: {
  startedAt: Date;
  settings: object;
  machine: { cpus: number; cpuModel: string; loadBefore: number[]; loadAfter: number[] };
  queueRuns: {
    storage: string;
    rows: DeskTimingRow[];
    load: number[];
    explained: ExplainedDeskQuery[];
    countsChecked: string;
  }[];
  noticeRows: NoticeRow[];
}): string {
  const lines = [
    `## Run ${run.startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `Machine: ${run.machine.cpus} × ${run.machine.cpuModel}; load average (1 min) ${run.machine.loadBefore[0]!.toFixed(2)} before, ${run.machine.loadAfter[0]!.toFixed(2)} after.`,
    `Settings: \`${JSON.stringify(run.settings)}\``,
    '',
  ];
  for (const queueRun of run.queueRuns) {
    const target = targets[queueRun.storage]!;
    lines.push(
      `### Queue and contact search, ${queueRun.storage} (p95 target ≤ ${target} ms; p50 at 100k ≤ ${ratioTarget}× p50 at 1k)`,
      '',
      `Load average while timing: ${loads(queueRun.load)}. ${queueRun.countsChecked}.`,
      '',
      '| request | 100k p50 | 100k p95 | 1k p50 | 1k p95 | p50 ratio | items | p95 | ratio |',
      '|---|---|---|---|---|---|---|---|---|',
    );
    const kinds = [...new Set(queueRun.rows.map((row) => row.kind))];
    for (const kind of kinds) {
      const big = queueRun.rows.find((row) => row.kind === kind && row.tenant === '100k')!;
      const small = queueRun.rows.find((row) => row.kind === kind && row.tenant === '1k')!;
      const ratio = big.p50Ms / small.p50Ms;
      lines.push(
        `| ${kind} | ${ms(big.p50Ms)} | ${ms(big.p95Ms)} | ${ms(small.p50Ms)} | ${ms(small.p95Ms)} | ${ratio.toFixed(2)}× | ${big.items} / ${small.items} | ${big.p95Ms <= target ? 'met' : '**missed**'} | ${ratio <= ratioTarget ? 'met' : '**missed**'} |`,
      );
    }
    lines.push('', '<details><summary>EXPLAIN (ANALYZE, BUFFERS), 100k tenant</summary>', '');
    for (const query of queueRun.explained) {
      lines.push(`**${query.label}** (${ms(query.executionMs)} ms)`, '', '```', query.plan, '```', '');
    }
    lines.push('</details>', '');
  }
  if (run.noticeRows.length > 0) {
    lines.push(
      `### Contact's message → operator's socket (PostgreSQL + Redis, p99 target ≤ ${noticeTarget} ms)`,
      '',
      `Load average while measuring: ${loads(run.noticeRows[0]!.load)}.`,
      '',
      '| path | frame | samples | p50 | p99 | max | widget POST p50 | p99 |',
      '|---|---|---|---|---|---|---|---|',
    );
    for (const row of run.noticeRows) {
      lines.push(
        `| ${row.topology} | \`${row.frame}\` | ${row.samples} | ${ms(row.p50Ms)} | ${ms(row.p99Ms)} | ${ms(row.maxMs)} | ${ms(row.postP50Ms)} | ${row.p99Ms <= noticeTarget ? 'met' : '**missed**'} |`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}
