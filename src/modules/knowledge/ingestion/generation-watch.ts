/**
 * Aborts when the document the job works on moves to another generation (reindex, cancel, delete), by
 * polling its row: a cancel then stops a parse or an embedding in flight instead of after it.
 */
export interface GenerationWatch {
  readonly signal: AbortSignal;
  /** Stop polling; the signal stays as it is. */
  stop(): void;
  /** Tell the watch what a write found (e.g. a progress update that matched no row). */
  markSuperseded(): void;
}

export function watchGeneration(isCurrent: () => Promise<boolean>, intervalMs: number): GenerationWatch {
  const controller = new AbortController();
  let isPolling = false;
  const timer = setInterval(() => {
    if (isPolling || controller.signal.aborted) return;
    isPolling = true;
    isCurrent()
      .then((current) => {
        if (!current) controller.abort(new SupersededError());
      })
      // A failed poll says nothing about the document; the next one, or the final write, will.
      .catch(() => undefined)
      .finally(() => {
        isPolling = false;
      });
  }, intervalMs);
  timer.unref();
  return {
    signal: controller.signal,
    stop: () => clearInterval(timer),
    markSuperseded: () => controller.abort(new SupersededError()),
  };
}

export class SupersededError extends Error {
  override readonly name = 'SupersededError';
  constructor() {
    super('The document was reindexed, cancelled or deleted while this job ran');
  }
}

/** Throttles progress writes to one per interval; the last value is always written by the caller's own step. */
export function throttleProgress(
  write: (progress: number) => Promise<boolean>,
  onSuperseded: () => void,
  minIntervalMs: number,
): (progress: number) => Promise<void> {
  let lastWriteAt = 0;
  let lastValue = -1;
  return async (progress) => {
    const rounded = Math.round(progress);
    const now = Date.now();
    if (rounded === lastValue || now - lastWriteAt < minIntervalMs) return;
    lastWriteAt = now;
    lastValue = rounded;
    if (!(await write(rounded))) onSuperseded();
  };
}
