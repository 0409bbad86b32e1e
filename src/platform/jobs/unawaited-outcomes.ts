import Manager from 'pg-boss/src/manager.js';

type RecordOutcome = (this: unknown, ...args: unknown[]) => Promise<unknown>;

let reporter: ((error: Error) => void) | undefined;

/**
 * pg-boss 10's worker records a job's outcome with `this.complete(…)` or `this.fail(…)` on its internal
 * Manager and awaits neither (manager.js, `onFetch`). When the database is unreachable at that moment the
 * rejected promise has no handler and Node ends the process: both nodes of the chaos run died so when
 * PostgreSQL's connections were cut. The Manager is private to the PgBoss instance, so its prototype's two
 * methods are wrapped, once per process: each call's promise gets a handler that reports the failure, and
 * callers that await still see it. The job stays `active`, so the job leases (or, on embedded storage, the
 * next start) send it to its retry: it runs at least once, as every handler here is written to allow.
 */
export function reportUnawaitedOutcomes(report: (error: Error) => void): void {
  const isWrapped = reporter !== undefined;
  reporter = report;
  if (isWrapped) return;
  const handled = (record: RecordOutcome): RecordOutcome => {
    const wrapped = function (this: unknown, ...args: unknown[]) {
      const outcome = record.apply(this, args);
      outcome.catch((error: Error) => reporter?.(error));
      return outcome;
    };
    // PgBoss puts its Manager's methods on itself by their names (`boss.fail`, `boss.complete`).
    return Object.defineProperty(wrapped, 'name', { value: record.name });
  };
  Manager.prototype.complete = handled(Manager.prototype.complete);
  Manager.prototype.fail = handled(Manager.prototype.fail);
}
