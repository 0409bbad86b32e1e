import type { Actor } from '../../../access/actor.js';
import { requireAdmin } from '../../../access/require-access.js';
import { transaction } from '../../../platform/db/after-commit.js';
import type { Database } from '../../../platform/db/client.js';
import { AppError, notFound } from '../../../platform/errors.js';
import { newId } from '../../../platform/ids.js';
import { parseRule, subjectOf } from './routing-engine.js';
import {
  maxRulesPerTenant,
  type RoutingRepository,
  type StoredRule,
  type StoredRuleRun,
} from './routing.repository.js';
import type { RuleAction, RuleCondition, RuleDefinition, RuleUpdate, RuleView } from './routing.schemas.js';
import { allConditionsHold, describeAction } from './rule-matching.js';

export interface RoutingServiceDeps {
  readonly db: Database;
  /** Told after a tenant's rules changed (the invalidation bus: `routing-rules`). */
  readonly onRulesChanged?: ((tenantId: string) => void) | undefined;
  readonly repository: RoutingRepository;
  /** Whether the conversation is the tenant's (the desk's own read). */
  readonly hasConversation: (tenantId: string, id: string) => Promise<boolean>;
}

const present = (row: StoredRule): RuleView => {
  const parsed = parseRule(row);
  return {
    id: row.id,
    name: row.name,
    position: row.position,
    trigger: row.trigger,
    conditions: parsed?.conditions ?? [],
    actions: parsed?.actions ?? [],
    isEnabled: row.isEnabled,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
};

const presentRun = (row: StoredRuleRun) => ({
  id: row.id,
  ruleId: row.ruleId,
  ruleName: row.ruleName,
  trigger: row.trigger,
  triggerKey: row.triggerKey,
  depth: row.depth,
  outcomes: row.outcomes as { action: string; outcome: 'done' | 'unchanged' | 'failed' | 'skipped'; detail?: string }[],
  createdAt: row.createdAt.toISOString(),
});

const unprocessable = (message: string) => new AppError('unprocessable', message);

/** Routing rules as admins keep them: ordered, checked against the tenant's own inboxes, teams and people. */
export function createRoutingService(deps: RoutingServiceDeps) {
  const { db, repository } = deps;

  /** Every id a rule names is the tenant's: another tenant's (or a missing) one is refused with its name. */
  async function requireOwnReferences(
    tenantId: string,
    conditions: readonly RuleCondition[],
    actions: readonly RuleAction[],
  ): Promise<void> {
    const inboxIds = conditions.flatMap((condition) => (condition.type === 'inbox' ? condition.inboxIds : []));
    const teamIds = [
      ...conditions.flatMap((condition) => (condition.type === 'team' && condition.teamId ? [condition.teamId] : [])),
      ...actions.flatMap((action) => (action.type === 'assign_team' ? [action.teamId] : [])),
    ];
    const userIds = actions.flatMap((action) => (action.type === 'assign_operator' ? [action.operatorId] : []));
    const cannedIds = actions.flatMap((action) =>
      action.type === 'send_canned_response' ? [action.cannedResponseId] : [],
    );
    const checks = [
      ['inbox', inboxIds, await repository.existingInboxIds(db, tenantId, inboxIds)],
      ['team', teamIds, await repository.existingTeamIds(db, tenantId, teamIds)],
      ['operator', userIds, await repository.existingUserIds(db, tenantId, userIds)],
      ['canned response', cannedIds, await repository.existingCannedResponseIds(db, tenantId, cannedIds)],
    ] as const;
    for (const [what, ids, found] of checks) {
      const missing = ids.find((id) => !found.has(id));
      if (missing) throw unprocessable(`The rule names ${what} '${missing}', which this workspace does not have`);
    }
  }

  function requireTriggerFits(trigger: RuleDefinition['trigger'], conditions: readonly RuleCondition[]): void {
    if (trigger !== 'contact_message' && conditions.some((condition) => condition.type === 'text_contains')) {
      throw unprocessable(
        "A 'text contains' condition looks at the contact's message, so it needs the trigger 'contact_message'",
      );
    }
  }

  async function findRule(actor: Actor, id: string): Promise<StoredRule> {
    const rule = await repository.findRule(db, actor.tenantId, id);
    if (!rule) throw notFound('Routing rule', id);
    return rule;
  }

  return {
    async list(actor: Actor) {
      requireAdmin(actor);
      return { items: (await repository.listRules(db, actor.tenantId)).map(present) };
    },

    async get(actor: Actor, id: string) {
      requireAdmin(actor);
      return present(await findRule(actor, id));
    },

    async create(actor: Actor, input: RuleDefinition & { position?: number | undefined }) {
      requireAdmin(actor);
      requireTriggerFits(input.trigger, input.conditions);
      await requireOwnReferences(actor.tenantId, input.conditions, input.actions);
      const row = await transaction(db, async (tx) => {
        const { count, maxPosition } = await repository.countRules(tx, actor.tenantId);
        if (count >= maxRulesPerTenant) {
          throw unprocessable(`A workspace can keep at most ${maxRulesPerTenant} routing rules; delete some first`);
        }
        const position = input.position === undefined ? maxPosition + 1 : Math.min(input.position, maxPosition + 1);
        if (position <= maxPosition) await repository.shiftFrom(tx, actor.tenantId, position);
        return repository.insertRule(tx, {
          id: newId(),
          tenantId: actor.tenantId,
          name: input.name,
          position,
          trigger: input.trigger,
          conditions: input.conditions,
          actions: input.actions,
          isEnabled: input.isEnabled,
          createdBy: actor.userId,
        });
      });
      deps.onRulesChanged?.(actor.tenantId);
      return present(row);
    },

    async update(actor: Actor, id: string, input: RuleUpdate) {
      requireAdmin(actor);
      const current = await findRule(actor, id);
      const parsed = parseRule(current);
      const conditions = input.conditions ?? parsed?.conditions ?? [];
      requireTriggerFits(input.trigger ?? current.trigger, conditions);
      await requireOwnReferences(actor.tenantId, input.conditions ?? [], input.actions ?? []);
      const row = await repository.updateRule(db, actor.tenantId, id, {
        ...(input.name !== undefined && { name: input.name }),
        ...(input.trigger !== undefined && { trigger: input.trigger }),
        ...(input.conditions !== undefined && { conditions: input.conditions }),
        ...(input.actions !== undefined && { actions: input.actions }),
        ...(input.isEnabled !== undefined && { isEnabled: input.isEnabled }),
      });
      if (!row) throw notFound('Routing rule', id);
      deps.onRulesChanged?.(actor.tenantId);
      return present(row);
    },

    async remove(actor: Actor, id: string): Promise<void> {
      requireAdmin(actor);
      if (!(await repository.deleteRule(db, actor.tenantId, id))) throw notFound('Routing rule', id);
      deps.onRulesChanged?.(actor.tenantId);
    },

    /** The new order: every rule of the tenant, once each; positions become 0, 1, 2… */
    async reorder(actor: Actor, ruleIds: readonly string[]) {
      requireAdmin(actor);
      const rows = await transaction(db, async (tx) => {
        const existing = await repository.listRules(tx, actor.tenantId);
        const known = new Set(existing.map((rule) => rule.id));
        const unknown = ruleIds.find((id) => !known.has(id));
        if (unknown) throw notFound('Routing rule', unknown);
        if (new Set(ruleIds).size !== ruleIds.length || ruleIds.length !== existing.length) {
          throw unprocessable(
            `Send every one of the workspace's ${existing.length} rules once, in the new order (got ${ruleIds.length} ids)`,
          );
        }
        for (const [position, id] of ruleIds.entries())
          await repository.updateRule(tx, actor.tenantId, id, { position });
        return repository.listRules(tx, actor.tenantId);
      });
      return { items: rows.map(present) };
    },

    /**
     * Which of the tenant's most recent conversations the rule's conditions hold for now, and what it
     * would do to each: nothing is changed and nothing recorded. A `text_contains` condition has no
     * message to look at here, so it is judged on the conversation's labels and state only (never holds).
     */
    async dryRun(
      actor: Actor,
      input: { ruleId?: string | undefined; rule?: RuleDefinition | undefined; limit: number },
    ) {
      requireAdmin(actor);
      let definition: Pick<RuleDefinition, 'conditions' | 'actions'>;
      if (input.ruleId !== undefined) {
        const parsed = parseRule(await findRule(actor, input.ruleId));
        definition = parsed ?? { conditions: [], actions: [] };
      } else {
        definition = input.rule!;
        await requireOwnReferences(actor.tenantId, definition.conditions, definition.actions);
      }
      const recent = await repository.listRecentContexts(db, actor.tenantId, input.limit);
      const wouldDo = definition.actions.map(describeAction);
      return {
        looked: recent.length,
        matches: recent
          .filter((context) => allConditionsHold(definition.conditions, subjectOf(context)))
          .map((context) => ({
            supportConversationId: context.conversation.id,
            status: context.conversation.status,
            inboxId: context.conversation.inboxId,
            wouldDo,
          })),
      };
    },

    /** Which rule did what to a conversation, oldest first (operators see it on the conversation). */
    async runsOf(actor: Actor, supportConversationId: string) {
      if (!(await deps.hasConversation(actor.tenantId, supportConversationId))) {
        throw notFound('Support conversation', supportConversationId);
      }
      return { items: (await repository.listRuns(db, actor.tenantId, supportConversationId)).map(presentRun) };
    },
  };
}

export type RoutingService = ReturnType<typeof createRoutingService>;
