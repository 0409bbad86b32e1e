import { isAdmin, type Actor } from '../../access/actor.js';
import type { Database } from '../../platform/db/client.js';
import { AppError, forbidden, notFound } from '../../platform/errors.js';
import { buildOverview } from './analytics-figures.js';
import type { AnalyticsRawRepository } from './analytics-raw.repository.js';
import type { AnalyticsRollups } from './analytics-rollups.js';
import type { AnalyticsScope } from './analytics-rows.js';
import type { AnalyticsSpendRepository } from './analytics-spend.repository.js';
import type { AnalyticsRepository } from './analytics.repository.js';
import type { AnalyticsOverview, AnalyticsQuery } from './analytics.schemas.js';

export interface AnalyticsServiceDeps {
  readonly db: Database;
  /** Reads the rollups, which `rollups` keeps current. */
  readonly repository: AnalyticsRepository;
  /** Reads the raw rows: with an operator filter, which the rollups do not keep. */
  readonly rawRepository: AnalyticsRawRepository;
  readonly rollups: Pick<AnalyticsRollups, 'refresh'>;
  /** Reads the usage ledger: tokens and cost of every model call. */
  readonly spendRepository: AnalyticsSpendRepository;
}

const dayMs = 86_400_000;

/** Who reads analytics, the overview and CSAT alike: administrators. */
export function requireAnalyticsReader(actor: Actor): void {
  if (!isAdmin(actor)) throw forbidden('Only administrators can read analytics');
}

/**
 * Which tenant a request reads. Admins read their own; a platform admin may name one (`tenantId`) or
 * all of them (`all`). A tenant admin naming another tenant is told it does not exist, like any other
 * tenant's object.
 */
function tenantOf(actor: Actor, requested: AnalyticsQuery['tenantId']): string | null {
  if (requested === undefined || requested === actor.tenantId) return actor.tenantId;
  if (actor.role === 'platform_admin') return requested === 'all' ? null : requested;
  if (requested === 'all') throw forbidden("Only platform administrators can read all tenants' analytics");
  throw notFound('Tenant', requested);
}

export function createAnalyticsService(deps: AnalyticsServiceDeps) {
  const { db, repository, rawRepository, rollups, spendRepository } = deps;

  /** Each filter names an object of the tenant read; anything else is a 404 naming it. */
  async function requireFilters(tenantId: string | null, query: AnalyticsQuery): Promise<void> {
    const filters = [
      ['agent', 'Agent', query.agentId],
      ['inbox', 'Inbox', query.inboxId],
      ['operator', 'Operator', query.operatorId],
    ] as const;
    const named = filters.filter(([, , id]) => id !== undefined);
    if (tenantId === null) {
      if (named.length > 0) {
        throw new AppError(
          'validation_failed',
          'Filter by agent, inbox or operator within one tenant: set tenantId to it',
          {
            fields: [{ field: 'tenantId', message: 'must name one tenant when a filter is set' }],
          },
        );
      }
      return;
    }
    for (const [kind, label, id] of named) {
      if (!(await repository.exists(db, kind, id!, tenantId))) throw notFound(label, id!);
    }
  }

  return {
    /** Every figure of the range (docs/analytics.md), per bucket and in total. Admins only. */
    async overview(actor: Actor, query: AnalyticsQuery): Promise<AnalyticsOverview> {
      requireAnalyticsReader(actor);
      const tenantId = tenantOf(actor, query.tenantId);
      if (
        tenantId !== null &&
        tenantId !== actor.tenantId &&
        !(await repository.exists(db, 'tenant', tenantId, tenantId))
      ) {
        throw notFound('Tenant', tenantId);
      }
      await requireFilters(tenantId, query);
      const scope: AnalyticsScope = {
        tenantId,
        from: new Date(`${query.from}T00:00:00Z`),
        until: new Date(Date.parse(`${query.to}T00:00:00Z`) + dayMs),
        bucket: query.bucket,
        agentId: query.agentId,
        inboxId: query.inboxId,
        operatorId: query.operatorId,
      };
      // Who a conversation is assigned to changes, so no rollup is kept by operator: an operator's
      // figures come from the raw rows. Otherwise every change committed so far is counted first.
      const source = scope.operatorId ? rawRepository : repository;
      if (!scope.operatorId) await rollups.refresh(tenantId);
      // Independent reads: on PostgreSQL they run side by side on the pool.
      const [messages, active, conversations, support, ratings, tools, spend] = await Promise.all([
        source.messageGroups(db, scope),
        source.activePeople(db, scope),
        source.conversations(db, scope),
        source.supportConversations(db, scope),
        source.ratings(db, scope),
        source.tools(db, scope),
        spendRepository.spendGroups(db, scope),
      ]);
      const range = {
        from: query.from,
        to: query.to,
        bucket: query.bucket,
        tenantId,
        agentId: query.agentId ?? null,
        inboxId: query.inboxId ?? null,
        operatorId: query.operatorId ?? null,
      };
      return buildOverview(range, { messages, active, conversations, support, ratings, tools, spend });
    },
  };
}

export type AnalyticsService = ReturnType<typeof createAnalyticsService>;
