import type { SQL } from 'drizzle-orm';
import { transaction } from '../../platform/db/after-commit.js';
import { runAsBackgroundWork } from '../../platform/db/background-work.js';
import type { Database, Transaction } from '../../platform/db/client.js';
import type { Logger } from '../../platform/logger.js';
import {
  positionBelow,
  type ConversationLogFeedRepository,
  type FeedEvent,
} from './conversation-log-feed.repository.js';

/**
 * A reader of every conversation's log at once (ADR 27): webhooks' `message.created`, the email outbox,
 * the analytics rollups. It handles events past its own cursor in the transaction that moves the cursor,
 * so what it writes and how far it read commit together: a node killed mid-pass leaves both as they were,
 * and the next pass, on any node, hands the same events on again (the handlers' writes are keyed by the
 * event, so a repeat writes nothing new).
 */
export interface LogReader {
  /** Its cursor's name in log_cursors. */
  readonly name: string;
  /** The events it wants, on `e` (conversation_events): the others are passed over without a look. */
  readonly only?: SQL;
  readonly batchSize?: number;
  handle(tx: Transaction, events: readonly FeedEvent[]): Promise<void>;
}

export interface ConversationLogFeedDeps {
  readonly db: Database;
  readonly repository: ConversationLogFeedRepository;
  readonly logger: Pick<Logger, 'warn'>;
}

const defaultBatch = 500;
/** A reader whose events were all filtered out moves its cursor at most this often (one row write). */
const idleAdvanceMs = 10_000;
/** Another node's pass holds the cursor: this node looks again after it. */
const busyRetryMs = 100;

type PassOutcome = 'more' | 'done' | 'busy';

interface ReaderState {
  readonly reader: LogReader;
  timer?: NodeJS.Timeout | undefined;
  running?: Promise<void> | undefined;
  /** Nudged while a pass ran, which may have read before that commit: one more pass follows. */
  again?: boolean;
  /** When this node last ran a pass of it (ms since the epoch). */
  lastPassAt?: number;
}

export function createConversationLogFeed(deps: ConversationLogFeedDeps) {
  const { db, repository, logger } = deps;
  const readers = new Map<string, ReaderState>();
  const stopTimers: (() => void)[] = [];
  let stopped = false;

  async function pass(reader: LogReader, wait: boolean): Promise<PassOutcome> {
    const batch = reader.batchSize ?? defaultBatch;
    return transaction(db, async (tx) => {
      const cursor = await repository.lockCursor(tx, reader.name, wait);
      if (!cursor) return 'busy';
      const horizon = await repository.horizon(tx);
      // Every committed event past the position is handed on, those above the horizon too: a transaction
      // still running elsewhere in the cluster delays nobody's webhook. The position moves only over the
      // events below it (the first ones, in tx order); the rest are handed on again by the next pass,
      // and the handlers' writes are keyed by the event, so a repeat writes nothing.
      const events = await repository.eventsPast(tx, cursor.position, batch, reader.only);
      if (events.length > 0) await reader.handle(tx, events);
      const settled = events.filter((event) => BigInt(event.tx) < BigInt(horizon));
      if (events.length === batch) {
        if (settled.length === 0) return 'done';
        await repository.advance(tx, reader.name, settled.at(-1)!);
        return 'more';
      }
      if (settled.length < events.length) {
        if (settled.length > 0) await repository.advance(tx, reader.name, settled.at(-1)!);
        return 'done';
      }
      // Everything it wants below the horizon is handled: the cursor moves up to it (at most every few
      // seconds when none of the events it passes over were wanted).
      if (events.length > 0 || Date.now() - cursor.updatedAt.getTime() > idleAdvanceMs)
        await repository.advance(tx, reader.name, positionBelow(horizon));
      return 'done';
    });
  }

  /** Reads until nothing it wants is left; `wait`: behind another node's pass rather than leaving it to that one. */
  async function drain(entry: ReaderState, wait = false): Promise<void> {
    let outcome: PassOutcome;
    do outcome = await pass(entry.reader, wait);
    while (outcome === 'more' && !stopped);
    if (outcome === 'busy' && !stopped) schedule(entry.reader.name, busyRetryMs);
  }

  function run(name: string): Promise<void> {
    const entry = readers.get(name);
    if (!entry || stopped) return Promise.resolve();
    if (entry.running) {
      entry.again = true;
      return entry.running;
    }
    entry.running = runAsBackgroundWork(async () => {
      do {
        entry.again = false;
        entry.lastPassAt = Date.now();
        await drain(entry);
      } while (entry.again && !stopped);
    })
      .catch((error: unknown) => logger.warn({ err: error, reader: name }, 'log reader: a pass failed; retried soon'))
      .finally(() => (entry.running = undefined));
    return entry.running;
  }

  function schedule(name: string, delayMs: number): void {
    const entry = readers.get(name);
    if (!entry || entry.timer || stopped) return;
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      void run(name);
    }, delayMs);
    entry.timer.unref();
  }

  return {
    add(reader: LogReader): void {
      readers.set(reader.name, { reader });
    },
    /** Something the reader wants was just committed on this node: it reads soon, not at its next poll. */
    nudge(name: string): void {
      schedule(name, 0);
    },
    /** Reads now, waiting behind another node's pass: what it wants committed before this call is handled. */
    async catchUp(name: string): Promise<void> {
      const entry = readers.get(name);
      if (!entry) return;
      await entry.running;
      await drain(entry, true);
    },
    /** Polls each reader every `intervalMs` (events another node committed, or a nudge that was lost). */
    start(name: string, intervalMs: number): void {
      const entry = readers.get(name);
      if (!entry) return;
      const poll = async () => {
        // Every few seconds a pass runs whatever the look says: it moves the cursor over the events this
        // reader passes by, or else each look would scan all of them again (a tenant without webhooks).
        const isDue = Date.now() - (entry.lastPassAt ?? 0) > idleAdvanceMs;
        const waiting = isDue || (await repository.hasEventsPast(db, name, entry.reader.only).catch(() => true));
        if (waiting) await run(name);
      };
      const timer = setInterval(() => void runAsBackgroundWork(poll), intervalMs);
      timer.unref();
      void run(name);
      stopTimers.push(() => clearInterval(timer));
    },
    async stop(): Promise<void> {
      stopped = true;
      for (const stopTimer of stopTimers) stopTimer();
      for (const entry of readers.values()) clearTimeout(entry.timer);
      for (const entry of readers.values()) await entry.running;
    },
  };
}

export type ConversationLogFeed = ReturnType<typeof createConversationLogFeed>;
