/**
 * The order in which the PGlite thread hands work to PGlite's one session (ADR 13). Requests' statements
 * go at once. A background job's transaction, or a statement of its outside any transaction, waits until
 * no request's statement is in progress and none has ended for `quietMs`. That gap lets a request that
 * reads several times in a row finish before the job takes the session again. Once started, a
 * background item runs to its end (a transaction's commit) before the next one is started. A background
 * item that has waited `maxWaitMs` goes anyway, so a busy server still makes progress with its jobs.
 */
export interface ForegroundFirst {
  /** Starts `work` now; it counts as a request's statement until it settles. */
  foreground<T>(work: () => Promise<T>): Promise<T>;
  /** Starts `work` when its turn comes. The promise it returns settles when the work is over. */
  background(work: () => Promise<unknown>): void;
}

export interface ForegroundFirstOptions {
  readonly quietMs: number;
  readonly maxWaitMs: number;
  readonly now?: () => number;
}

export function createForegroundFirst(options: ForegroundFirstOptions): ForegroundFirst {
  const now = options.now ?? (() => performance.now());
  const waiting: { readonly work: () => Promise<unknown>; readonly since: number }[] = [];
  let foregroundInProgress = 0;
  let lastForegroundEndedAt = -Infinity;
  let isBackgroundRunning = false;
  let timer: NodeJS.Timeout | undefined;

  function startNextWhenDue(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const next = waiting[0];
    if (!next || isBackgroundRunning) return;
    const at = now();
    const overdueInMs = next.since + options.maxWaitMs - at;
    const quietInMs = foregroundInProgress > 0 ? Infinity : lastForegroundEndedAt + options.quietMs - at;
    const dueInMs = Math.min(overdueInMs, quietInMs);
    if (dueInMs > 0) {
      // Unreferenced: a job still waiting must not keep a closed database's thread alive.
      timer = setTimeout(startNextWhenDue, Math.ceil(dueInMs)).unref();
      return;
    }
    waiting.shift();
    isBackgroundRunning = true;
    void next
      .work()
      .catch(() => undefined)
      .finally(() => {
        isBackgroundRunning = false;
        startNextWhenDue();
      });
  }

  return {
    foreground(work) {
      foregroundInProgress += 1;
      return work().finally(() => {
        foregroundInProgress -= 1;
        lastForegroundEndedAt = now();
        startNextWhenDue();
      });
    },
    background(work) {
      waiting.push({ work, since: now() });
      startNextWhenDue();
    },
  };
}
