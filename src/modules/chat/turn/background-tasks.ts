import type { Logger } from '../../../platform/logger.js';

/**
 * Work that outlives the request that started it (turns whose client may be gone, titles). Failures
 * are logged, never thrown; `drain()` lets shutdown (and tests) wait for what is still running.
 */
export function createBackgroundTasks(logger: Pick<Logger, 'error'>) {
  const running = new Set<Promise<unknown>>();

  function track<T>(name: string, promise: Promise<T>): Promise<T> {
    const settled = promise.then(
      () => undefined,
      (error: unknown) => logger.error({ err: error, task: name }, 'background task failed'),
    );
    running.add(settled);
    void settled.finally(() => running.delete(settled));
    return promise;
  }

  return {
    track,
    /** Runs `task` in the background; its failure is logged and swallowed. */
    run(name: string, task: () => Promise<unknown>): void {
      void track(name, task()).catch(() => undefined);
    },
    async drain(): Promise<void> {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}

export type BackgroundTasks = ReturnType<typeof createBackgroundTasks>;
