import type { App } from '../../src/platform/http/types.js';

interface LatencySummary {
  readonly requests: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export interface ResponsivenessReport {
  /** `GET /health`: needs no database, so it waits only for the event loop. */
  readonly liveness: LatencySummary;
  /** A signed-in `GET /v1/auth/me`: one read of the user's row, so it also waits for the database. */
  readonly signedIn: LatencySummary;
  /** The longest a timer fired late: how long the event loop was held in one go. */
  readonly maxTimerLatenessMs: number;
}

/**
 * What other users feel while a document is indexed or deleted: one request of each kind is due every
 * `intervalMs`, and each is timed from when it was due to its answer, since a request arriving while
 * the event loop is held waits for it just the same. On embedded storage the signed-in one also
 * shares PGlite's one connection with the ingestion job or the removal.
 */
export function startResponsivenessProbe(app: App, headers: Record<string, string>, intervalMs = 20) {
  const liveness: number[] = [];
  const signedIn: number[] = [];
  let maxTimerLatenessMs = 0;
  let isRunning = true;
  const inFlight = new Set<Promise<void>>();

  const timed = (url: string, requestHeaders: Record<string, string>, into: number[], dueAt: number) => {
    const request = app
      .inject({ method: 'GET', url, headers: requestHeaders })
      .then((response) => {
        if (response.statusCode !== 200) throw new Error(`the probe's ${url} answered ${response.statusCode}`);
        into.push(performance.now() - dueAt);
      })
      .finally(() => inFlight.delete(request));
    inFlight.add(request);
  };

  const tick = (dueAt: number) => {
    if (!isRunning) return;
    const now = performance.now();
    maxTimerLatenessMs = Math.max(maxTimerLatenessMs, now - dueAt);
    // This tick's requests, and every later one that fell due while the loop was held, are sent now,
    // each timed from when it was due. (A timer may fire a fraction of a millisecond early.)
    let lastDue = dueAt;
    for (let due = dueAt; due === dueAt || due <= now; due += intervalMs) {
      timed('/health', {}, liveness, due);
      timed('/v1/auth/me', headers, signedIn, due);
      lastDue = due;
    }
    const next = lastDue + intervalMs;
    setTimeout(() => tick(next), Math.max(0, next - performance.now()));
  };
  tick(performance.now());

  return {
    async stop(): Promise<ResponsivenessReport> {
      isRunning = false;
      await Promise.all(inFlight);
      return { liveness: summarise(liveness), signedIn: summarise(signedIn), maxTimerLatenessMs };
    },
  };
}

function summarise(latencies: readonly number[]): LatencySummary {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (share: number) => sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))] ?? 0;
  return { requests: sorted.length, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: sorted.at(-1) ?? 0 };
}

/** `activity` names what the probe ran alongside, e.g. "indexing". */
export function describeResponsiveness(report: ResponsivenessReport, activity: string): string {
  const ms = (value: number) => value.toFixed(1);
  const line = (name: string, summary: LatencySummary) =>
    `  ${name}: ${summary.requests} answered, p50 ${ms(summary.p50Ms)} ms, p99 ${ms(summary.p99Ms)} ms, worst ${ms(summary.maxMs)} ms`;
  return [
    `other requests while ${activity}, one of each due every 20 ms, timed from when it was due:`,
    line('GET /health (no database)', report.liveness),
    line('GET /v1/auth/me (reads the user)', report.signedIn),
    `  event loop held at most ${ms(report.maxTimerLatenessMs)} ms at a time`,
  ].join('\n');
}
