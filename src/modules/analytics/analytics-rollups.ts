import type { Database, Transaction } from '../../platform/db/client.js';
import type { LogReader } from '../conversations/index.js';
import { runAsBackgroundWork } from '../../platform/db/background-work.js';
import type { Logger } from '../../platform/logger.js';
import type { AnalyticsRollupsRepository, NotedChange } from './analytics-rollups.repository.js';

export interface AnalyticsRollupsDeps {
  readonly db: Database;
  readonly repository: AnalyticsRollupsRepository;
  readonly logger: Pick<Logger, 'warn' | 'info'>;
  /** Reads the conversations' log up to now (this module's reader, `logReader()`), before a recount. */
  readonly readLog?: () => Promise<void>;
}

// Changes taken in one transaction: a few days and a few thousand conversations recounted at once.
const changesPerBatch = 2_000;
// A backlog larger than this (an upgrade, a bulk import) is cheaper to rebuild than to recount piecemeal.
const rebuildAbove = 20_000;

// How often a pass that took notes clears their dead rows (cheap: the table holds few live ones).
const vacuumEveryMs = 60_000;

const isTenantMark = (change: NotedChange) =>
  change.day === null && change.conversationId === null && change.supportConversationId === null;

/**
 * Keeps the analytics rollups current (docs/analytics.md). The triggers of migration 0036 note every
 * change; `refresh` recounts what a tenant's notes name. It runs on a timer on every job-running node and
 * before each overview of the tenant, so an overview counts every change committed before it. The
 * tenant's lock keeps two recounts (two nodes, or a request and the timer) from interleaving.
 */
export function createAnalyticsRollups(deps: AnalyticsRollupsDeps) {
  const { db, repository, logger } = deps;

  async function recountAll(tx: Transaction, tenantId: string): Promise<void> {
    await repository.recomputeConversationFacts(tx, tenantId, 'all');
    await repository.recomputeSupportFacts(tx, tenantId, 'all');
    await repository.recountConversationDays(tx, tenantId, 'all');
    await repository.recountActivityDays(tx, tenantId, 'all');
  }

  /** Recounts a whole tenant from its raw rows, taking every change noted so far. */
  async function rebuild(tenantId: string): Promise<void> {
    await db.transaction(async (tx) => {
      await repository.lockTenant(tx, tenantId);
      await repository.takeChanges(tx, tenantId, null);
      await recountAll(tx, tenantId);
    });
    await repository.tidyAfterRebuild(db);
  }

  /** One batch of a tenant's changes; how many it took (fewer than a batch: none are left). */
  async function refreshBatch(tenantId: string): Promise<number> {
    return db.transaction(async (tx) => {
      await repository.lockTenant(tx, tenantId);
      const changes = await repository.takeChanges(tx, tenantId, changesPerBatch);
      if (changes.length === 0) return 0;
      // Noted after `refresh` looked (only an upgrade notes a whole tenant): recounted here, in one go.
      if (changes.some(isTenantMark)) {
        const rest = await repository.takeChanges(tx, tenantId, null);
        await recountAll(tx, tenantId);
        return changes.length + rest.length;
      }
      await recountNoted(tx, tenantId, changes);
      return changes.length;
    });
  }

  /** Recounts what `changes` name: their conversations' facts, then the days those and the changes touch. */
  async function recountNoted(tx: Transaction, tenantId: string, changes: readonly NotedChange[]): Promise<void> {
    const conversations = new Set<string>();
    const supportConversations = new Set<string>();
    const wholeConversations = new Set<string>();
    const days = new Set<string>();
    for (const change of changes) {
      if (change.day !== null) days.add(change.day);
      if (change.supportConversationId !== null) supportConversations.add(change.supportConversationId);
      if (change.conversationId === null) continue;
      conversations.add(change.conversationId);
      if (change.whole) wholeConversations.add(change.conversationId);
    }
    if (wholeConversations.size > 0) {
      for (const day of await repository.daysOfConversations(tx, tenantId, [...wholeConversations])) days.add(day);
    }
    // The facts first: the days they start on are then recounted from them.
    const startDays = new Set([
      ...(await repository.recomputeConversationFacts(tx, tenantId, [...conversations])),
      ...(await repository.recomputeSupportFacts(tx, tenantId, {
        support: [...supportConversations],
        conversations: [...conversations],
      })),
    ]);
    await repository.recountConversationDays(tx, tenantId, [...startDays]);
    await repository.recountActivityDays(tx, tenantId, [...days]);
  }

  /**
   * The log's reader (ADR 27): messages stored and replies ended, recounted per tenant in the pass's own
   * transaction, so no row is written inside a turn. A tenant whose recount fails has its changes noted
   * for the next pass instead, and the others go on.
   */
  function logReader(): LogReader {
    return {
      name: 'analytics',
      only: repository.messagesInLog(),
      batchSize: changesPerBatch,
      handle: async (tx, events) => {
        const byTenant = new Map<string, NotedChange[]>();
        for (const event of events) {
          const createdAt = event.payload.created_at;
          const day = typeof createdAt === 'string' ? new Date(createdAt).toISOString().slice(0, 10) : null;
          const change = { day, conversationId: event.conversationId, supportConversationId: null, whole: false };
          byTenant.set(event.tenantId, [...(byTenant.get(event.tenantId) ?? []), change]);
        }
        for (const [tenantId, changes] of byTenant) {
          await tx
            .transaction(async (savepoint) => {
              await repository.lockTenant(savepoint, tenantId);
              await recountNoted(savepoint, tenantId, changes);
            })
            .catch(async (error: unknown) => {
              logger.warn({ err: error, tenantId }, 'analytics rollups: recounting a tenant failed; retried next pass');
              await repository.noteChanges(tx, tenantId, changes);
            });
        }
      },
    };
  }

  /** Recounts everything noted for a tenant. */
  async function refresh(tenantId: string): Promise<void> {
    const pending = await repository.pendingChanges(db, tenantId);
    if (pending.count === 0) return;
    if (pending.wholeTenant || pending.count > rebuildAbove) return rebuild(tenantId);
    while ((await refreshBatch(tenantId)) >= changesPerBatch) {
      // another batch
    }
  }

  let lastVacuumAt = 0;

  /** Every tenant with noted changes; a tenant that fails is logged and retried on the next pass. */
  async function refreshAll(): Promise<void> {
    await deps.readLog?.();
    const tenantIds = await repository.tenantsWithChanges(db);
    for (const tenantId of tenantIds) {
      await refresh(tenantId).catch((error: unknown) =>
        logger.warn({ err: error, tenantId }, 'analytics rollups: recounting a tenant failed; retried next pass'),
      );
    }
    if (tenantIds.length > 0 && Date.now() - lastVacuumAt > vacuumEveryMs) {
      lastVacuumAt = Date.now();
      await repository.vacuumChanges(db);
    }
  }

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const pass = () => {
    // A pass still running (a large backlog) is not doubled.
    // A database that is down fails the pass; the next one retries (a rejection left unhandled here
    // ended the process when PostgreSQL went away).
    running ??= runAsBackgroundWork(refreshAll)
      .catch((error: unknown) => logger.warn({ err: error }, 'analytics rollups: a pass failed; retried next pass'))
      .finally(() => (running = undefined));
    return running;
  };

  return {
    /** Recounts what is noted for one tenant, or (null) for every tenant. */
    refresh: async (tenantId: string | null): Promise<void> => {
      if (tenantId === null) return refreshAll();
      await deps.readLog?.();
      return refresh(tenantId);
    },
    logReader,
    tenantIds: () => repository.tenantIds(db),
    /** Recounts the tenants named from scratch (`parley analytics rebuild`). */
    async rebuildAll(tenantIds: readonly string[]): Promise<void> {
      for (const tenantId of tenantIds) await rebuild(tenantId);
    },
    start(intervalMs: number): void {
      void pass();
      timer = setInterval(() => void pass(), intervalMs);
      timer.unref();
    },
    async stop(): Promise<void> {
      clearInterval(timer);
      await running;
    },
  };
}

export type AnalyticsRollups = ReturnType<typeof createAnalyticsRollups>;
