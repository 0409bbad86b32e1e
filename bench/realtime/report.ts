/** The realtime bench's Markdown log: settings, machine and load, then one table per measurement. */
export interface MemoryRow {
  readonly label: string;
  readonly connections: number;
  readonly rssBeforeMb: number;
  readonly rssAfterMb: number;
  readonly heapBeforeMb: number | undefined;
  readonly heapAfterMb: number | undefined;
}

export interface FanOutRow {
  readonly label: string;
  readonly subscribers: number;
  readonly samples: number;
  readonly expected: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface ThroughputRow {
  readonly label: string;
  readonly subscribers: number;
  readonly deltas: number;
  readonly tokens: number;
  readonly expectedTokens: number;
  readonly seconds: number;
}

const fixed = (value: number | undefined, digits = 1) =>
  value === undefined || Number.isNaN(value) ? 'n/a' : value.toFixed(digits);
const perConnectionKb = (row: MemoryRow, before: number | undefined, after: number | undefined) =>
  before === undefined || after === undefined || row.connections === 0
    ? undefined
    : ((after - before) * 1024) / row.connections;

export function renderRealtimeReport(input: {
  startedAt: Date;
  settings: object;
  machine: { cpus: number; cpuModel: string; loadBefore: number[]; loadAfter: number[] };
  memoryRows: MemoryRow[];
  fanOutRows: FanOutRow[];
  throughputRows: ThroughputRow[];
}): string {
  const lines: string[] = [];
  const load = (values: number[]) => values.map((value) => value.toFixed(2)).join(' / ');
  lines.push(`# Realtime benchmark, ${input.startedAt.toISOString()}`, '');
  lines.push(
    `Machine: ${input.machine.cpus} × ${input.machine.cpuModel}; load average (1/5/15 min) ${load(input.machine.loadBefore)} before, ${load(input.machine.loadAfter)} after.`,
    '',
    '```json',
    JSON.stringify(input.settings, null, 2),
    '```',
    '',
  );

  lines.push('## Memory per idle authenticated connection', '');
  lines.push('| server | connections | RSS before → after (MB) | RSS per connection (KB) | heap per connection (KB) |');
  lines.push('| --- | ---: | ---: | ---: | ---: |');
  for (const row of input.memoryRows) {
    lines.push(
      `| ${row.label} | ${row.connections} | ${fixed(row.rssBeforeMb)} → ${fixed(row.rssAfterMb)} | ${fixed(perConnectionKb(row, row.rssBeforeMb, row.rssAfterMb))} | ${fixed(perConnectionKb(row, row.heapBeforeMb, row.heapAfterMb))} |`,
    );
  }
  const floor = input.memoryRows[0];
  for (const row of input.memoryRows.slice(1)) {
    const ratio =
      (perConnectionKb(row, row.rssBeforeMb, row.rssAfterMb) ?? NaN) /
      (floor ? (perConnectionKb(floor, floor.rssBeforeMb, floor.rssAfterMb) ?? NaN) : NaN);
    lines.push('', `${row.label}: ${fixed(ratio, 2)}× the floor's RSS per connection (target ≤ 2×).`);
  }

  lines.push('', '## Fan-out latency of a delta (mock LLM send → subscriber receipt)', '');
  lines.push('| path | subscribers | samples (expected) | p50 (ms) | p99 (ms) |');
  lines.push('| --- | ---: | ---: | ---: | ---: |');
  for (const row of input.fanOutRows) {
    lines.push(
      `| ${row.label} | ${row.subscribers} | ${row.samples} (${row.expected}) | ${fixed(row.p50Ms, 2)} | ${fixed(row.p99Ms, 2)} |`,
    );
  }
  for (const subscribers of new Set(input.fanOutRows.map((row) => row.subscribers))) {
    const rows = input.fanOutRows.filter((row) => row.subscribers === subscribers);
    const bare = rows.find((row) => row.label.startsWith('bare'));
    const same = rows.find((row) => row.label.includes('same node'));
    const cross = rows.find((row) => row.label.includes('other node'));
    const notes: string[] = [];
    if (bare && same) {
      notes.push(
        `same node adds ${fixed(same.p50Ms - bare.p50Ms, 2)} ms p50 / ${fixed(same.p99Ms - bare.p99Ms, 2)} ms p99 over the floor`,
      );
    }
    if (same && cross) {
      notes.push(`cross-node p99 is ${fixed(cross.p99Ms - same.p99Ms, 2)} ms over same-node (target ≤ 5 ms)`);
    }
    if (notes.length) lines.push('', `${subscribers} subscriber(s): ${notes.join('; ')}.`);
  }

  lines.push('', '## Delivered events per second to one conversation', '');
  lines.push('| server | subscribers | deltas (tokens / expected) | seconds | deltas/s | tokens/s |');
  lines.push('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const row of input.throughputRows) {
    lines.push(
      `| ${row.label} | ${row.subscribers} | ${row.deltas} (${row.tokens} / ${row.expectedTokens}) | ${fixed(row.seconds, 2)} | ${fixed(row.deltas / row.seconds, 0)} | ${fixed(row.tokens / row.seconds, 0)} |`,
    );
  }
  const bareThroughput = input.throughputRows.find((row) => row.label.startsWith('bare'));
  for (const row of input.throughputRows.filter((each) => each !== bareThroughput)) {
    if (!bareThroughput) break;
    const ratio = row.tokens / row.seconds / (bareThroughput.tokens / bareThroughput.seconds);
    lines.push('', `${row.label}: ${fixed(ratio, 2)}× the floor's tokens/s (target ≥ 0.5×).`);
  }
  return `${lines.join('\n')}\n`;
}
