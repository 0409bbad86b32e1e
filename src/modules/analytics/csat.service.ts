import { hasRoleAtLeast, isAdmin, type Actor } from '../../access/actor.js';
import type { Database } from '../../platform/db/client.js';
import { encodeCursor } from '../../platform/db/pagination.js';
import { forbidden, notFound } from '../../platform/errors.js';
import { visitorNameOf } from '../inbox/contacts/visitor-names.js';
import type { AnalyticsRepository } from './analytics.repository.js';
import type { CsatRepository, CsatScope, CsatTotalsRow, LowRatingRow } from './csat.repository.js';
import {
  satisfiedFrom,
  type CsatGrouping,
  type CsatQuery,
  type CsatReport,
  type LowRating,
  type LowRatingsPage,
  type LowRatingsQuery,
} from './csat.schemas.js';

export interface CsatServiceDeps {
  readonly db: Database;
  readonly repository: CsatRepository;
  /** Only to tell whether a filter's inbox is the tenant's. */
  readonly analyticsRepository: Pick<AnalyticsRepository, 'exists'>;
}

const dayMs = 86_400_000;

/** Who rated nothing-but-the-AI (or an operator since removed), and a conversation without labels. */
const unnamedGroup: Record<CsatGrouping, string> = {
  operator: 'No operator (AI alone)',
  inbox: 'Inbox removed',
  label: 'No label',
};

const figuresOf = (row: CsatTotalsRow) => ({
  ratings: row.ratings,
  average: row.average === null ? null : Math.round(row.average * 100) / 100,
  satisfiedShare: row.ratings === 0 ? null : Math.round((row.satisfied / row.ratings) * 1000) / 1000,
});

function presentLowRating(row: LowRatingRow): LowRating {
  return {
    supportConversationId: row.supportConversationId,
    rating: row.rating,
    comment: row.comment,
    contact: { id: row.contactId, name: row.contactName ?? visitorNameOf(row.contactId) },
    operator: row.operatorId ? { id: row.operatorId, name: row.operatorName ?? 'Operator' } : null,
    inbox: { id: row.inboxId, name: row.inboxName },
    labels: row.labels,
    ratedAt: new Date(row.ratedAt).toISOString(),
  };
}

/** CSAT by operator, inbox or label over time, and the low ratings to read (docs/analytics.md). */
export function createCsatService(deps: CsatServiceDeps) {
  const { db, repository, analyticsRepository } = deps;

  /**
   * Admins read the tenant's ratings; an operator reads the ratings of the conversations they answered,
   * and only those (members none). An inbox filter names one of the tenant's inboxes.
   */
  async function scopeOf(actor: Actor, query: { from: string; to: string; inboxId?: string }): Promise<CsatScope> {
    if (!hasRoleAtLeast(actor, 'operator')) throw forbidden('Only operators and administrators can read ratings');
    if (query.inboxId && !(await analyticsRepository.exists(db, 'inbox', query.inboxId, actor.tenantId))) {
      throw notFound('Inbox', query.inboxId);
    }
    return {
      tenantId: actor.tenantId,
      from: new Date(`${query.from}T00:00:00Z`),
      until: new Date(Date.parse(`${query.to}T00:00:00Z`) + dayMs),
      inboxId: query.inboxId,
      operatorId: isAdmin(actor) ? undefined : actor.userId,
    };
  }

  return {
    async report(actor: Actor, query: CsatQuery): Promise<CsatReport> {
      const scope = await scopeOf(actor, query);
      const [rows, totals] = await Promise.all([
        repository.groups(db, scope, query.groupBy, query.interval),
        repository.totals(db, scope),
      ]);
      const groups = rows
        .filter((row) => row.bucket === null)
        .map((total) => ({
          key: total.key,
          name: total.name ?? unnamedGroup[query.groupBy],
          ...figuresOf(total),
          series: rows
            .filter((row) => row.bucket !== null && row.key === total.key)
            .map((row) => ({ start: row.bucket!, ...figuresOf(row) }))
            .sort((a, b) => a.start.localeCompare(b.start)),
        }))
        .sort((a, b) => b.ratings - a.ratings || a.name.localeCompare(b.name));
      return {
        range: {
          from: query.from,
          to: query.to,
          interval: query.interval,
          groupBy: query.groupBy,
          inboxId: query.inboxId ?? null,
        },
        satisfiedFrom,
        totals: figuresOf(totals),
        groups,
      };
    },

    async lowRatings(actor: Actor, query: LowRatingsQuery): Promise<LowRatingsPage> {
      const scope = await scopeOf(actor, query);
      const rows = await repository.lowRatings(db, scope, query.maxRating, query.limit, query.cursor);
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return {
        items: page.map(presentLowRating),
        nextCursor:
          rows.length > query.limit && last
            ? encodeCursor({ createdAt: last.cursorAt, id: last.supportConversationId })
            : null,
      };
    },
  };
}

export type CsatService = ReturnType<typeof createCsatService>;
