import { performance } from 'node:perf_hooks';
import type { TurnTiming } from './http-client.js';
import type { ReplyProfile } from './mock-llm.js';

/** Nearest-rank percentile (p in 0..1) of unsorted values; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return NaN;
  const sorted = [...finite].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? NaN;
}

export interface PhaseRun {
  readonly timings: readonly TurnTiming[];
  readonly wallMs: number;
}

/**
 * Runs `total` turns on `concurrency` workers. Turns are dealt to workers up front (worker w runs
 * w, w+c, w+2c…) so each worker can keep to its own conversations: two turns never share one.
 *
 * Workers start spread over `spreadMs` (about one turn's length). Started together, closed-loop
 * workers whose turns all last the same stay in lock-step: fifty requests land in the same
 * millisecond, every turn, and the queue that makes is the benchmark's own, not the server's.
 */
export async function runTurns(
  total: number,
  concurrency: number,
  runTurn: (worker: number, turnOfWorker: number) => Promise<TurnTiming>,
  spreadMs = 0,
): Promise<PhaseRun> {
  const timings: TurnTiming[] = [];
  const startedAt = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, total) }, async (_, worker) => {
      if (spreadMs > 0 && worker > 0) await sleep((worker * spreadMs) / concurrency);
      for (let turn = 0; worker + turn * concurrency < total; turn += 1) {
        timings.push(await runTurn(worker, turn));
      }
    }),
  );
  return { timings, wallMs: performance.now() - startedAt };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Turns each worker runs in `runTurns`: what callers need to prepare conversations ahead of time. */
export const turnsOfWorker = (total: number, concurrency: number, worker: number): number =>
  Math.floor(total / concurrency) + (worker < total % concurrency ? 1 : 0);

export interface PhaseSummary {
  readonly turns: number;
  readonly completed: number;
  readonly firstError: string | undefined;
  readonly headersP50Ms: number;
  readonly ttftP50Ms: number;
  readonly ttftP99Ms: number;
  readonly turnP50Ms: number;
  readonly turnsPerSecond: number;
  /** Gaps between consecutive tokens as the client saw them. */
  readonly gapP10Ms: number;
  readonly gapP50Ms: number;
  readonly gapP90Ms: number;
  /** Share of gaps shorter than half the mock's gap: tokens that arrived bunched together. */
  readonly bunchedShare: number;
  readonly tokensPerTurn: number;
  readonly expectedTokens: number;
}

export function summarize(run: PhaseRun, profile: ReplyProfile): PhaseSummary {
  const completed = run.timings.filter((timing) => timing.isComplete);
  const gaps: number[] = [];
  for (const timing of completed) {
    const arrivals = timing.tokenArrivalsMs;
    for (let index = 1; index < arrivals.length; index += 1) gaps.push(arrivals[index]! - arrivals[index - 1]!);
  }
  const bunched = profile.gapMs > 0 ? gaps.filter((gap) => gap < profile.gapMs / 2).length : 0;
  return {
    turns: run.timings.length,
    completed: completed.length,
    firstError: run.timings.find((timing) => !timing.isComplete)?.error ?? undefined,
    headersP50Ms: percentile(
      completed.map((timing) => timing.headersMs),
      0.5,
    ),
    ttftP50Ms: percentile(
      completed.map((timing) => timing.ttftMs),
      0.5,
    ),
    ttftP99Ms: percentile(
      completed.map((timing) => timing.ttftMs),
      0.99,
    ),
    turnP50Ms: percentile(
      completed.map((timing) => timing.durationMs),
      0.5,
    ),
    turnsPerSecond: completed.length / (run.wallMs / 1000),
    gapP10Ms: percentile(gaps, 0.1),
    gapP50Ms: percentile(gaps, 0.5),
    gapP90Ms: percentile(gaps, 0.9),
    bunchedShare: gaps.length ? bunched / gaps.length : NaN,
    tokensPerTurn: completed.length
      ? completed.reduce((sum, timing) => sum + timing.tokenArrivalsMs.length, 0) / completed.length
      : NaN,
    expectedTokens: profile.tokens,
  };
}
