import type { Database, Executor } from '../../../platform/db/client.js';
import type { RuleTrigger } from '../../../platform/db/schema/index.js';
import { AppError, notFound } from '../../../platform/errors.js';
import { newId } from '../../../platform/ids.js';
import type { Logger } from '../../../platform/logger.js';
import type { WebhookEvents } from '../../webhooks/index.js';
import type { ChangeActor, SupportService } from '../support/support.service.js';
import { presentSupportConversation } from '../support/support.schemas.js';
import type { RoutingRepository, StoredRule } from './routing.repository.js';
import { ruleActionSchema, ruleConditionSchema, type ActionOutcome, type RuleAction } from './routing.schemas.js';
import { allConditionsHold, describeAction, type RuleSubject } from './rule-matching.js';

/**
 * Rules are not looked at for a change that deeper in a chain of rules' own changes: rule A's change
 * fires rule B (depth 1), whose change fires A again (depth 2)… and the chain ends here, recorded.
 */
export const maxRuleDepth = 3;
export const depthBoundOutcome: ActionOutcome = { action: 'none', outcome: 'skipped', detail: 'stopped: depth bound' };

/** One thing that happened to a conversation, which rules of its trigger look at. */
export interface TriggerEvent {
  readonly tenantId: string;
  readonly supportConversationId: string;
  readonly trigger: RuleTrigger;
  /** What fired it, the same however often it is seen (`message:<id>`, `change:<event id>`). */
  readonly key: string;
  /** 0 for a person's, the contact's or a timer's change; 1 + the depth of the rule whose change it was. */
  readonly depth: number;
  readonly messageText?: string | undefined;
  readonly addedLabel?: string | undefined;
}

/** A rule's firing, claimed (its record written), whose actions are still to run. */
export interface ClaimedRun {
  readonly runId: string;
  readonly rule: { readonly id: string; readonly name: string; readonly trigger: RuleTrigger };
  readonly actions: readonly RuleAction[];
  readonly event: TriggerEvent;
}

export interface RoutingEngineDeps {
  readonly db: Database;
  readonly repository: RoutingRepository;
  readonly support: Pick<SupportService, 'change' | 'updateDetails' | 'addLabels'>;
  /** Sends a line the contact sees, as the desk (a canned response); `key` makes a repeat send nothing. */
  readonly sendLine: (tenantId: string, supportConversationId: string, content: string, key: string) => Promise<void>;
  readonly events?: WebhookEvents | undefined;
  readonly logger: Pick<Logger, 'warn'>;
  readonly now?: () => Date;
}

/** A stored rule's conditions and actions, read through the same schemas that accepted them. */
export function parseRule(rule: StoredRule) {
  const conditions = ruleConditionSchema.array().safeParse(rule.conditions);
  const actions = ruleActionSchema.array().safeParse(rule.actions);
  return conditions.success && actions.success ? { conditions: conditions.data, actions: actions.data } : undefined;
}

export function subjectOf(
  context: NonNullable<Awaited<ReturnType<RoutingRepository['findContext']>>>,
  event?: Pick<TriggerEvent, 'messageText' | 'addedLabel'>,
): RuleSubject {
  const { conversation } = context;
  return {
    inboxId: conversation.inboxId,
    inboxKind: context.inboxKind,
    status: conversation.status,
    priority: conversation.priority,
    teamId: conversation.teamId,
    labels: conversation.labels,
    contactAttributes: context.contactAttributes,
    contactVisitor: context.contactVisitor,
    messageText: event?.messageText,
    addedLabel: event?.addedLabel,
  };
}

/**
 * Routing rules at work (docs/desk-routing.md): which rules of a trigger hold for a conversation, their
 * firing claimed once per trigger key, then their actions run in order through the desk's own changes.
 */
export function createRoutingEngine(deps: RoutingEngineDeps) {
  const { db, repository } = deps;
  const now = deps.now ?? (() => new Date());

  /**
   * The rules of the trigger whose conditions hold, each claimed (its record written) before any acts:
   * all are judged on the conversation as the trigger found it. Run with the executor given (the log
   * reader's transaction), so a claim commits with the reader's cursor.
   */
  async function claim(executor: Executor, event: TriggerEvent): Promise<ClaimedRun[]> {
    const rules = await repository.listEnabledFor(executor, event.tenantId, event.trigger);
    if (rules.length === 0) return [];
    const context = await repository.findContext(executor, event.tenantId, event.supportConversationId);
    if (!context) return [];
    const subject = subjectOf(context, event);
    const claimed: ClaimedRun[] = [];
    for (const rule of rules) {
      const parsed = parseRule(rule);
      if (!parsed || !allConditionsHold(parsed.conditions, subject)) continue;
      const isTooDeep = event.depth > maxRuleDepth;
      const runId = await repository.claimRun(executor, {
        id: newId(),
        tenantId: event.tenantId,
        supportConversationId: event.supportConversationId,
        ruleId: rule.id,
        ruleName: rule.name,
        trigger: event.trigger,
        triggerKey: event.key,
        depth: event.depth,
        outcomes: isTooDeep ? [depthBoundOutcome] : [],
      });
      // Nothing inserted: this rule fired for this trigger already (a repeat, another node).
      if (!runId || isTooDeep) continue;
      claimed.push({
        runId,
        rule: { id: rule.id, name: rule.name, trigger: rule.trigger },
        actions: parsed.actions,
        event,
      });
    }
    return claimed;
  }

  async function perform(run: ClaimedRun, action: RuleAction, index: number): Promise<ActionOutcome['outcome']> {
    const { tenantId, supportConversationId: id } = run.event;
    const by: ChangeActor = { kind: 'system' };
    const reason = `rule: ${run.rule.name}`;
    const depth = run.event.depth + 1;
    const statusChange = async (request: Parameters<SupportService['change']>[3]) => {
      const before = await repository.findContext(db, tenantId, id);
      const after = await deps.support.change(tenantId, id, by, { ...request, reason, depth });
      return before?.conversation.status === after.status && before.conversation.assigneeId === after.assigneeId
        ? 'unchanged'
        : 'done';
    };
    switch (action.type) {
      case 'assign_team':
      case 'set_priority': {
        const before = await repository.findContext(db, tenantId, id);
        const after = await deps.support.updateDetails(tenantId, id, by, {
          ...(action.type === 'assign_team' ? { teamId: action.teamId } : { priority: action.priority }),
          reason,
          depth,
        });
        return before?.conversation.updatedAt.getTime() === after.updatedAt.getTime() ? 'unchanged' : 'done';
      }
      case 'assign_operator': {
        const current = await repository.findContext(db, tenantId, id);
        const status = current?.conversation.status;
        return statusChange({
          action: status === 'open' || status === 'snoozed' ? 'transfer' : 'assign',
          operatorId: action.operatorId,
        });
      }
      case 'add_label': {
        const before = await repository.findContext(db, tenantId, id);
        if (before?.conversation.labels.includes(action.label)) return 'unchanged';
        await deps.support.addLabels(tenantId, id, [action.label], depth);
        return 'done';
      }
      case 'snooze':
        return statusChange({ action: 'snooze', snoozedUntil: new Date(now().getTime() + action.minutes * 60_000) });
      case 'send_canned_response': {
        const canned = await repository.findCannedResponse(db, tenantId, action.cannedResponseId);
        if (!canned) throw notFound('Canned response', action.cannedResponseId);
        await deps.sendLine(tenantId, id, canned.content, `rule:${run.runId}:${index}`);
        return 'done';
      }
      case 'hand_to_person':
        return statusChange({ action: 'request_human' });
      case 'hand_to_ai':
        return statusChange({ action: 'hand_to_ai' });
      case 'webhook': {
        const context = await repository.findContext(db, tenantId, id);
        if (!context || !deps.events) return 'unchanged';
        await deps.events.emit(
          db,
          tenantId,
          'rule.matched',
          {
            rule: run.rule,
            triggerKey: run.event.key,
            supportConversation: presentSupportConversation(context.conversation),
          },
          { key: `${run.runId}:${index}` },
        );
        return 'done';
      }
    }
  }

  /** A claimed rule's actions, in order; one failing (a refused change) does not stop the next. */
  async function act(run: ClaimedRun): Promise<void> {
    const outcomes: ActionOutcome[] = [];
    for (const [index, action] of run.actions.entries()) {
      try {
        outcomes.push({ action: describeAction(action), outcome: await perform(run, action, index) });
      } catch (error) {
        if (!(error instanceof AppError)) deps.logger.warn({ err: error, ruleId: run.rule.id }, 'A rule action failed');
        const detail = error instanceof AppError ? error.message : 'it failed; see the server log';
        outcomes.push({ action: describeAction(action), outcome: 'failed', detail });
      }
    }
    await repository.setOutcomes(db, run.event.tenantId, run.runId, outcomes);
  }

  return {
    claim,
    act,
    /** Claims and acts on one trigger, on the database (after the change that fired it committed). */
    async fire(event: TriggerEvent): Promise<void> {
      for (const run of await claim(db, event)) await act(run);
    },
  };
}

export type RoutingEngine = ReturnType<typeof createRoutingEngine>;
