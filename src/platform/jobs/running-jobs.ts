/** The handlers running in this process, each with the controller of the signal it was given. */
export class RunningJobs {
  private readonly controllers = new Map<string, AbortController>();
  private readonly finished = new Set<() => void>();

  /** Runs a handler with a signal that aborts after expireInMs (pg-boss fails the job at that moment too). */
  async run(id: string, expireInMs: number, handler: (signal: AbortSignal) => Promise<void>): Promise<void> {
    const controller = new AbortController();
    const timer =
      Number.isFinite(expireInMs) && expireInMs > 0
        ? setTimeout(() => controller.abort(new Error(`Job ${id} ran past its expiry`)), expireInMs)
        : undefined;
    this.controllers.set(id, controller);
    try {
      await handler(controller.signal);
    } finally {
      clearTimeout(timer);
      this.controllers.delete(id);
      if (this.controllers.size === 0) for (const notify of this.finished) notify();
    }
  }

  ids(): string[] {
    return [...this.controllers.keys()];
  }

  abortAll(reason: Error): void {
    for (const controller of this.controllers.values()) controller.abort(reason);
  }

  /** True once nothing runs; false when timeoutMs passed first. */
  settled(timeoutMs: number): Promise<boolean> {
    if (this.controllers.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (isSettled: boolean) => {
        clearTimeout(timer);
        this.finished.delete(onFinished);
        resolve(isSettled);
      };
      const onFinished = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.finished.add(onFinished);
    });
  }
}
