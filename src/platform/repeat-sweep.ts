export interface RepeatedSweep {
  /** Stops the timer, and waits for a run under way. */
  stop(): Promise<void>;
}

/**
 * Runs `sweep` now and then every `intervalMs`, one run at a time: a tick while a run is under way is
 * skipped. A failed run is told to `onFailure`; the next tick tries again.
 */
export function repeatSweep(
  sweep: () => Promise<unknown>,
  intervalMs: number,
  onFailure: (error: unknown) => void,
): RepeatedSweep {
  let running: Promise<void> | undefined;
  const run = () => {
    running ??= sweep()
      .then(() => undefined)
      .catch(onFailure)
      .finally(() => (running = undefined));
  };
  run();
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
