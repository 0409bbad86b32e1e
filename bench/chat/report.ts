import type { ChatResults, CpuPerTurn, PhaseSpec } from './chat-phases.js';
import type { ExplainedQuery } from './explain.js';
import type { PhaseSummary } from './load.js';
import type { PageProbe, PageTiming } from './page-timing.js';

export interface MachineInfo {
  readonly date: string;
  readonly command: string;
  readonly cores: number;
  readonly cpuModel: string;
  readonly node: string;
  readonly loadBefore: string;
  readonly loadAfter: string;
  readonly settings: string;
  readonly revision: string;
}

export interface TargetInfo {
  readonly key: string;
  readonly label: string;
  readonly isParley: boolean;
  readonly storage?: 'embedded' | 'postgres';
  readonly firstStartRssMb?: number;
  readonly startupRssMb?: number;
  readonly idleRssMb?: number;
  /** RSS after the chat run and a rest (BENCH_SETTLE_MS): the server idle, as it sits between bursts. */
  readonly settledRssMb?: number;
  readonly peakRssMb?: number;
}

export interface PageReport {
  readonly storage: 'embedded' | 'postgres';
  readonly label: string;
  readonly small: PageProbe;
  readonly big: PageProbe;
  readonly smallAfterBig: PageProbe;
  readonly seedSeconds: number;
  readonly sizes: { conversations: number; messages: number; totalMb: number };
  readonly rssAfterMb: number | undefined;
  readonly explained: readonly ExplainedQuery[] | string;
}

export interface BenchReport {
  readonly machine: MachineInfo;
  readonly phases: readonly PhaseSpec[];
  readonly targets: readonly TargetInfo[];
  readonly chat: ChatResults;
  readonly mockStats: { streamed: number; completed: number; unary: number } | undefined;
  readonly pages: readonly PageReport[];
  readonly durationSeconds: number;
  readonly settleSeconds: number;
  /** PGlite alone with Parley's schema and settings, idle as long (bench/chat/bare-pglite.mjs). */
  readonly barePgliteRssMb?: number | undefined;
}

const ms = (value: number) =>
  Number.isFinite(value) ? (Math.abs(value) < 10 ? value.toFixed(2) : value.toFixed(1)) : '–';
const pct = (value: number) => (Number.isFinite(value) ? `${(value * 100).toFixed(1)} %` : '–');
const mb = (value: number | undefined) =>
  value === undefined || !Number.isFinite(value) ? '–' : `${value.toFixed(0)} MB`;
const verdict = (isMet: boolean | undefined) =>
  isMet === undefined ? 'not measured' : isMet ? '**met**' : '**missed**';

const count = (probe: PageProbe) => probe.listedConversations.toLocaleString('en');

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
}

export function renderReport(report: BenchReport): string {
  const { machine, phases, targets, chat, settleSeconds } = report;
  const direct = targets.find((target) => target.key === 'direct') ?? { key: 'direct' };
  const summaryOf = (phase: string, target: string): PhaseSummary | undefined => chat.get(phase)?.get(target)?.summary;
  const added = (phase: string, target: TargetInfo, pick: (summary: PhaseSummary) => number) => {
    const own = summaryOf(phase, target.key);
    const base = summaryOf(phase, direct.key);
    return own && base && target.key !== direct.key ? pick(own) - pick(base) : NaN;
  };

  const rows: string[][] = [];
  for (const phase of phases) {
    const cell = (pick: (summary: PhaseSummary, target: TargetInfo) => string) =>
      targets.map((target) => {
        const summary = summaryOf(phase.key, target.key);
        return summary ? pick(summary, target) : '–';
      });
    rows.push([`**${phase.label}**`, ...targets.map(() => '')]);
    rows.push(['TTFT p50 / p99 (ms)', ...cell((s) => `${ms(s.ttftP50Ms)} / ${ms(s.ttftP99Ms)}`)]);
    rows.push(['of which until response headers, p50 (ms)', ...cell((s) => ms(s.headersP50Ms))]);
    rows.push([
      'added TTFT p50 / p99 (ms)',
      ...targets.map((target) =>
        target.key === direct.key
          ? '(baseline)'
          : `${ms(added(phase.key, target, (s) => s.ttftP50Ms))} / ${ms(added(phase.key, target, (s) => s.ttftP99Ms))}`,
      ),
    ]);
    rows.push(['completed turns/s', ...cell((s) => s.turnsPerSecond.toFixed(0))]);
    rows.push(['turn length p50 (ms)', ...cell((s) => ms(s.turnP50Ms))]);
    if (phase.profile.gapMs > 0) {
      rows.push([
        `token gaps p10 / p50 / p90 (ms; mock: ${phase.profile.gapMs})`,
        ...cell((s) => `${ms(s.gapP10Ms)} / ${ms(s.gapP50Ms)} / ${ms(s.gapP90Ms)}`),
      ]);
      rows.push([`gaps < ${phase.profile.gapMs / 2} ms (bunched)`, ...cell((s) => pct(s.bunchedShare))]);
    }
    rows.push([`text parts per turn (mock sends ${phase.profile.tokens})`, ...cell((s) => s.tokensPerTurn.toFixed(2))]);
    rows.push(['turns completed / run', ...cell((s) => `${s.completed} / ${s.turns}`)]);
    const cpu = (pick: (cpu: CpuPerTurn) => number) =>
      targets.map((target) => {
        const result = chat.get(phase.key)?.get(target.key);
        return result ? ms(pick(result.cpuPerTurnMs)) : '–';
      });
    rows.push([
      'CPU per turn (ms): server / PostgreSQL',
      ...targets.map((target, index) => `${cpu((c) => c.server)[index]} / ${cpu((c) => c.postgres)[index]}`),
    ]);
    rows.push([
      'CPU per turn (ms): mock / load client',
      ...targets.map((target, index) => `${cpu((c) => c.mock)[index]} / ${cpu((c) => c.client)[index]}`),
    ]);
    if (phase.profile.tokens >= 100) {
      rows.push([
        'server CPU per token (µs)',
        ...targets.map((target) => {
          const result = chat.get(phase.key)?.get(target.key);
          return result ? ((result.cpuPerTurnMs.server * 1000) / phase.profile.tokens).toFixed(1) : '–';
        }),
      ]);
    }
  }
  rows.push(['**memory (RSS of the serving process)**', ...targets.map(() => '')]);
  rows.push(['first start on an empty data directory', ...targets.map((target) => mb(target.firstStartRssMb))]);
  rows.push(['at start-up (data directory exists)', ...targets.map((target) => mb(target.startupRssMb))]);
  rows.push(['1 s after warm-up', ...targets.map((target) => mb(target.idleRssMb))]);
  rows.push([`idle, ${settleSeconds} s after the chat run`, ...targets.map((target) => mb(target.settledRssMb))]);
  rows.push(['peak (VmHWM, whole chat run)', ...targets.map((target) => mb(target.peakRssMb))]);

  const errors = phases.flatMap((phase) =>
    targets.flatMap((target) => {
      const error = summaryOf(phase.key, target.key)?.firstError;
      return error ? [`- ${phase.label}, ${target.label}: ${error}`] : [];
    }),
  );

  return [
    `## Run of ${machine.date}`,
    '',
    `Command: \`${machine.command}\`  `,
    `Revision: ${machine.revision}.  `,
    `Machine: ${machine.cores} cores (\`nproc\`), ${machine.cpuModel}, Node ${machine.node}; load average before ${machine.loadBefore}, after ${machine.loadAfter}.  `,
    `Settings: ${machine.settings}  `,
    `Run time: ${report.durationSeconds.toFixed(0)} s.`,
    '',
    '### Streaming chats, side by side',
    '',
    'TTFT is request start → first text part, as the client reads it. "Added" is the target minus the mock ' +
      'hit directly (difference of percentiles). The bare relay is the floor: node:http in, fetch out, body piped through. ' +
      "The AI SDK relay is that floor with the AI SDK's OpenAI-compatible provider in the path, as Parley calls it " +
      '(bench/chat/sdk-relay.ts): what the settled choice of the SDK costs any server.',
    '',
    table(['', ...targets.map((target) => target.label)], rows),
    '',
    report.mockStats
      ? `The mock answered ${report.mockStats.streamed} streamed and ${report.mockStats.unary} non-streamed requests (titles of new conversations) in all.`
      : '',
    ...(errors.length ? ['', 'First error per failing phase:', '', ...errors] : []),
    '',
    renderTargets(report),
    '',
    ...report.pages.flatMap(renderPages),
  ].join('\n');
}

function renderTargets(report: BenchReport): string {
  const { targets, chat, settleSeconds } = report;
  const direct = (phase: string) => chat.get(phase)?.get('direct')?.summary;
  const parleys = targets.filter((target) => target.isParley);
  const relay = targets.find((target) => target.key === 'relay');
  const addedOf = (phase: string, key: string, pick: (summary: PhaseSummary) => number) => {
    const own = chat.get(phase)?.get(key)?.summary;
    const base = direct(phase);
    return own && base ? pick(own) - pick(base) : NaN;
  };
  const rows: string[][] = [];
  const floorP50 = relay ? addedOf('c1', relay.key, (s) => s.ttftP50Ms) : NaN;
  for (const target of parleys) {
    const value = addedOf('c1', target.key, (s) => s.ttftP50Ms);
    rows.push([
      `added TTFT, 1 stream, p50 ≤ 2.5 ms (${target.label})`,
      `${ms(value)} ms (floor ${ms(floorP50)} ms)`,
      verdict(Number.isFinite(value) ? value <= 2.5 : undefined),
    ]);
  }
  // Issue 63: a turn after the server sat idle (caches and pooled connections lapsed) against the relay's.
  const coldFloor = relay ? addedOf('cold', relay.key, (s) => s.ttftP50Ms) : NaN;
  for (const target of chat.has('cold') ? parleys : []) {
    const value = addedOf('cold', target.key, (s) => s.ttftP50Ms);
    rows.push([
      `added TTFT, cold turns, p50 ≤ 2× the bare relay (${target.label})`,
      `${ms(value)} ms (floor ${ms(coldFloor)} ms: ${(value / coldFloor).toFixed(1)}×)`,
      verdict(Number.isFinite(value) && Number.isFinite(coldFloor) ? value <= 2 * coldFloor : undefined),
    ]);
  }
  const floorP99 = relay ? addedOf('c50', relay.key, (s) => s.ttftP99Ms) : NaN;
  for (const target of parleys) {
    const value = addedOf('c50', target.key, (s) => s.ttftP99Ms);
    const isTarget = target.storage === 'postgres';
    rows.push([
      `added TTFT, 50 streams, p99 ≤ 15 ms (${target.label}${isTarget ? '' : '; the target names PostgreSQL'})`,
      `${ms(value)} ms (floor ${ms(floorP99)} ms)`,
      isTarget ? verdict(Number.isFinite(value) ? value <= 15 : undefined) : 'for information',
    ]);
  }
  for (const target of parleys) {
    const throughput = chat.get('throughput')?.get(target.key)?.summary.turnsPerSecond ?? NaN;
    const paced = chat.get('c50')?.get(target.key)?.summary.turnsPerSecond ?? NaN;
    rows.push([
      `≥ 300 completed turns/s (${target.label})`,
      `${throughput.toFixed(0)}/s unpaced reply; ${paced.toFixed(0)}/s paced (mock-bound)`,
      verdict(Number.isFinite(throughput) ? throughput >= 300 : undefined),
    ]);
  }
  // Coalescing: every mock token must arrive as its own text part, and the gaps between them must
  // look like the mock's: median within 1 ms of the direct run's, and at most 5 % of gaps under half
  // the mock's gap (tokens arriving bunched together).
  for (const phase of ['c1', 'c50']) {
    for (const target of parleys) {
      const own = chat.get(phase)?.get(target.key)?.summary;
      const base = direct(phase);
      const isMet =
        own && base
          ? own.tokensPerTurn === own.expectedTokens &&
            own.bunchedShare <= 0.05 &&
            Math.abs(own.gapP50Ms - base.gapP50Ms) <= 1
          : undefined;
      rows.push([
        `no token coalescing, ${phase === 'c1' ? '1 stream' : 'concurrent streams'} (${target.label})`,
        own && base
          ? `${own.tokensPerTurn.toFixed(2)} parts/turn; gaps p10/p50/p90 ${ms(own.gapP10Ms)}/${ms(own.gapP50Ms)}/${ms(own.gapP90Ms)} ms vs ${ms(base.gapP10Ms)}/${ms(base.gapP50Ms)}/${ms(base.gapP90Ms)} direct; bunched ${pct(own.bunchedShare)} vs ${pct(base.bunchedShare)}`
          : '–',
        verdict(isMet),
      ]);
    }
  }
  for (const page of report.pages) {
    const limit = page.storage === 'postgres' ? 15 : 30;
    const timed = page.big.timings.filter((timing) => timing.kind !== 'list-walk');
    const maxP95 = Math.max(...timed.map((timing) => timing.p95Ms));
    rows.push([
      `list and history p95 ≤ ${limit} ms at ${count(page.big)} conversations (${page.label})`,
      `worst p95 ${ms(maxP95)} ms`,
      verdict(maxP95 <= limit),
    ]);
    const worstRatio = (against: PageProbe, pick: (timing: PageTiming) => number) =>
      Math.max(
        ...timed
          .map((timing) => pick(timing) / pick(against.timings.find((other) => other.kind === timing.kind) ?? timing))
          .filter(Number.isFinite),
      );
    const sameMoment = worstRatio(page.smallAfterBig, (timing) => timing.p95Ms);
    rows.push([
      `… and ≤ 1.3× their time at ${count(page.small)} conversations (${page.label})`,
      `worst p95 ratio ${sameMoment.toFixed(2)}× against the small tenant timed alongside ` +
        `(p50 ${worstRatio(page.smallAfterBig, (timing) => timing.p50Ms).toFixed(2)}×); against it timed before the big seed: ` +
        `p95 ${worstRatio(page.small, (timing) => timing.p95Ms).toFixed(2)}×, p50 ${worstRatio(page.small, (timing) => timing.p50Ms).toFixed(2)}×`,
      verdict(Number.isFinite(sameMoment) ? sameMoment <= 1.3 : undefined),
    ]);
  }
  for (const target of parleys) {
    rows.push([
      `idle server memory ≤ 150 MB (${target.label})`,
      `${mb(target.settledRssMb)} idle ${settleSeconds} s after the chat run; ${mb(target.idleRssMb)} 1 s after warm-up`,
      verdict(target.settledRssMb === undefined ? undefined : target.settledRssMb <= 150),
    ]);
    const bare = report.barePgliteRssMb;
    if (target.storage === 'embedded' && bare !== undefined && target.settledRssMb !== undefined) {
      rows.push([
        `idle embedded memory ≤ bare PGlite + 50 MB (${target.label})`,
        `${mb(target.settledRssMb)} against bare PGlite ${mb(bare)} (+${mb(target.settledRssMb - bare)}), both idle ${settleSeconds} s`,
        verdict(target.settledRssMb <= bare + 50),
      ]);
    }
  }
  return ['### Against the targets', '', table(['target', 'measured', ''], rows)].join('\n');
}

function renderPages(page: PageReport): string[] {
  const kinds = page.big.timings.map((timing) => timing.kind);
  const find = (probe: PageProbe, kind: string) => probe.timings.find((timing) => timing.kind === kind);
  const rows = kinds.map((kind) => {
    const before = find(page.small, kind);
    const big = find(page.big, kind);
    const alongside = find(page.smallAfterBig, kind);
    return [
      big?.label ?? kind,
      before ? `${ms(before.p50Ms)} / ${ms(before.p95Ms)}` : '–',
      big ? `${ms(big.p50Ms)} / ${ms(big.p95Ms)} / ${ms(big.p99Ms)}` : '–',
      alongside ? `${ms(alongside.p50Ms)} / ${ms(alongside.p95Ms)}` : '–',
      alongside && big
        ? `${(big.p50Ms / alongside.p50Ms).toFixed(2)}× / ${(big.p95Ms / alongside.p95Ms).toFixed(2)}×`
        : '–',
      big ? String(big.count) : '–',
    ];
  });
  const explained =
    typeof page.explained === 'string'
      ? [`EXPLAIN was not available: ${page.explained}`]
      : page.explained.flatMap((query) => [
          `**${query.label}** — ${query.hasSeqScan ? '**sequential scan**' : `index: ${query.indexes.join(', ') || '(none named)'}`}`,
          '',
          '```sql',
          query.sql,
          '```',
          '```',
          query.plan,
          '```',
          '',
        ]);
  return [
    `### Conversation list and history pages — ${page.label}`,
    '',
    `Seeded ${page.sizes.conversations.toLocaleString('en')} conversations and ${page.sizes.messages.toLocaleString('en')} messages ` +
      `(${page.sizes.totalMb} MB with indexes) in ${page.seedSeconds.toFixed(0)} s, then VACUUM ANALYZE. ` +
      `The member's list walked page by page: ${page.big.listedConversations.toLocaleString('en')} conversations in ${page.big.pages} pages in the big tenant ` +
      `(${page.small.listedConversations} in ${page.small.pages} pages in the small one). Server RSS afterwards: ${mb(page.rssAfterMb)}.`,
    '',
    table(
      [
        'request (over HTTP, ms)',
        `${count(page.small)} conv., before the big seed: p50 / p95`,
        `${count(page.big)} conv.: p50 / p95 / p99`,
        `${count(page.small)} conv., timed alongside: p50 / p95`,
        'ratio big / small alongside: p50 / p95',
        'requests each',
      ],
      rows,
    ),
    '',
    `<details><summary>EXPLAIN (ANALYZE, BUFFERS) of the repositories' own SQL, ${count(page.big)}-conversation tenant (${page.label})</summary>`,
    '',
    ...explained,
    '</details>',
    '',
  ];
}
