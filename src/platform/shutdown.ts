/**
 * A node's stop, as the work it runs sees it; `serve.ts` drives it. Draining begins with the signal:
 * new chat turns are refused from then on, while those running get the grace period. Once it is over,
 * `ending` aborts the turns still running, which then store their reply as interrupted and tell their
 * clients so, before the database closes: nothing is left `streaming` for the next start to find.
 */
export function createShutdown() {
  const draining = new AbortController();
  const ending = new AbortController();
  return {
    get isDraining(): boolean {
      return draining.signal.aborted;
    },
    /** Aborted when the turns still running must stop. */
    ending: ending.signal,
    beginDraining: () => draining.abort(),
    endRunningWork: () => ending.abort(),
  };
}

export type Shutdown = ReturnType<typeof createShutdown>;
