/** The kinds of client the chaos run drives, each a loop of operations. */
export type ClientKind = 'chat' | 'openai' | 'widget' | 'operator' | 'mail' | 'socket' | 'import';

/**
 * How an operation ended, as its client saw it: done at the first try, done after retries, a stream cut
 * whose reply the client followed to its end on another node, or given up.
 */
export type OperationOutcome = 'ok' | 'retried' | 'cut-resumed' | 'failed';

/** One client operation: what the client asked and what it was told (a Jepsen-style history entry). */
export interface ClientOperation {
  readonly kind: ClientKind;
  readonly startedAt: number;
  endedAt: number;
  outcome: OperationOutcome;
  /** Every HTTP status it got, retries included; 0 for a connection that failed before an answer. */
  readonly statuses: number[];
  /** The message it sent, unique in the run, for the stored-exactly-once check. */
  readonly content?: string;
  /** The server said it stored the message (a 2xx, a stream started, SMTP's 250). */
  acked: boolean;
  /** Why it failed, for the report. */
  detail?: string;
}

/** A fault the schedule injected, with when it began and ended. */
export interface FaultWindow {
  readonly name: string;
  readonly startedAt: number;
  endedAt: number;
}

/** Statuses a client may be told during a fault and retry: the documented refusals, and the balancer's. */
export const retryableStatuses = new Set([0, 409, 429, 502, 503, 504]);

/** Everything the run's clients did, in order of starting. */
export class History {
  readonly operations: ClientOperation[] = [];
  readonly faults: FaultWindow[] = [];

  begin(kind: ClientKind, content?: string): ClientOperation {
    const operation: ClientOperation = {
      kind,
      startedAt: Date.now(),
      endedAt: 0,
      outcome: 'failed',
      statuses: [],
      acked: false,
      ...(content !== undefined && { content }),
    };
    this.operations.push(operation);
    return operation;
  }

  end(operation: ClientOperation, outcome: OperationOutcome, detail?: string): ClientOperation {
    operation.endedAt = Date.now();
    operation.outcome = outcome === 'ok' && operation.statuses.length > 1 ? 'retried' : outcome;
    if (detail !== undefined) operation.detail = detail;
    return operation;
  }

  /** Statuses no client should ever see: a 5xx other than the documented 503 and the balancer's 502/504. */
  unexpectedStatuses(): { kind: ClientKind; status: number; content?: string }[] {
    return this.operations.flatMap((operation) =>
      operation.statuses
        .filter((status) => status >= 500 && !retryableStatuses.has(status))
        .map((status) => ({ kind: operation.kind, status, ...(operation.content && { content: operation.content }) })),
    );
  }

  /** The operations that began inside `window` (or, without one, outside every fault). */
  during(window?: FaultWindow): ClientOperation[] {
    const inside = (operation: ClientOperation, each: FaultWindow) =>
      operation.startedAt >= each.startedAt && operation.startedAt <= each.endedAt;
    return this.operations.filter((operation) =>
      window ? inside(operation, window) : !this.faults.some((each) => inside(operation, each)),
    );
  }
}
