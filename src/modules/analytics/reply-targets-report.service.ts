import { hasRoleAtLeast, isAdmin, type Actor } from '../../access/actor.js';
import type { Database } from '../../platform/db/client.js';
import type { ReplyTargetKind } from '../../platform/db/schema/index.js';
import { forbidden, notFound } from '../../platform/errors.js';
import type { ReplyTargetsGroupRow, ReplyTargetsReportRepository } from './reply-targets-report.repository.js';
import type {
  FiguresPerTarget,
  ReplyTargetGrouping,
  ReplyTargetsReport,
  ReplyTargetsReportQuery,
  TargetFigures,
} from './reply-targets-report.schemas.js';

export interface ReplyTargetsReportDeps {
  readonly db: Database;
  readonly repository: ReplyTargetsReportRepository;
  readonly now?: () => Date;
}

const dayMs = 86_400_000;

const fieldOf: Record<ReplyTargetKind, keyof FiguresPerTarget> = {
  first_response: 'firstResponse',
  next_response: 'nextResponse',
  resolution: 'resolution',
};

/** A group without a key: clocks of no team, or that no operator met (nobody replied in the end). */
const unnamedGroup: Record<ReplyTargetGrouping, string> = {
  team: 'No team',
  inbox: 'Inbox removed',
  operator: 'No operator (nobody replied)',
};

const figuresOf = (met: number, missed: number): TargetFigures => ({
  met,
  missed,
  metRate: met + missed === 0 ? null : Math.round((met / (met + missed)) * 1000) / 1000,
});

/** Sums rows into the three targets' figures. */
function figuresPerTarget(rows: readonly ReplyTargetsGroupRow[]): FiguresPerTarget {
  const sumOf = (field: keyof FiguresPerTarget) => {
    const ofTarget = rows.filter((row) => fieldOf[row.target] === field);
    return figuresOf(
      ofTarget.reduce((sum, row) => sum + row.met, 0),
      ofTarget.reduce((sum, row) => sum + row.missed, 0),
    );
  };
  return {
    firstResponse: sumOf('firstResponse'),
    nextResponse: sumOf('nextResponse'),
    resolution: sumOf('resolution'),
  };
}

/** Reply-time targets met and missed per team, inbox or operator (docs/analytics.md). */
export function createReplyTargetsReport(deps: ReplyTargetsReportDeps) {
  const { db, repository } = deps;
  const now = deps.now ?? (() => new Date());

  return {
    /** Admins read the tenant's; an operator reads the clocks they met (or were assigned when missed). */
    async report(actor: Actor, query: ReplyTargetsReportQuery): Promise<ReplyTargetsReport> {
      if (!hasRoleAtLeast(actor, 'operator')) {
        throw forbidden('Only operators and administrators can read reply-time figures');
      }
      if (query.inboxId && !(await repository.exists(db, 'inbox', query.inboxId, actor.tenantId))) {
        throw notFound('Inbox', query.inboxId);
      }
      if (query.teamId && !(await repository.exists(db, 'team', query.teamId, actor.tenantId))) {
        throw notFound('Team', query.teamId);
      }
      const rows = await repository.groups(
        db,
        {
          tenantId: actor.tenantId,
          from: new Date(`${query.from}T00:00:00Z`),
          until: new Date(Date.parse(`${query.to}T00:00:00Z`) + dayMs),
          inboxId: query.inboxId,
          teamId: query.teamId,
          operatorId: isAdmin(actor) ? undefined : actor.userId,
          now: now(),
        },
        query.groupBy,
      );
      const keys = [...new Set(rows.map((row) => row.key))];
      const groups = keys
        .map((key) => {
          const ofGroup = rows.filter((row) => row.key === key);
          return {
            key,
            name: ofGroup.find((row) => row.name !== null)?.name ?? unnamedGroup[query.groupBy],
            ...figuresPerTarget(ofGroup),
          };
        })
        .sort((a, b) => a.name.localeCompare(b.name));
      return {
        range: {
          from: query.from,
          to: query.to,
          groupBy: query.groupBy,
          inboxId: query.inboxId ?? null,
          teamId: query.teamId ?? null,
        },
        totals: figuresPerTarget(rows),
        groups,
      };
    },
  };
}

export type ReplyTargetsReportService = ReturnType<typeof createReplyTargetsReport>;
