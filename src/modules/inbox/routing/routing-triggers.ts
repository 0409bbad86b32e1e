import { createExpiringCache } from '../../../platform/cache/expiring-cache.js';
import { everyKey, settingsCacheTtlMs } from '../../../platform/cache/invalidation-bus.js';
import { afterCommit } from '../../../platform/db/after-commit.js';
import type { Database } from '../../../platform/db/client.js';
import type { Logger } from '../../../platform/logger.js';
import { messageOfLogPayload, type LogReader } from '../../conversations/index.js';
import { isOpenAt } from '../inboxes/business-hours.js';
import type { LabelsAdded, SupportChange } from '../support/support.service.js';
import type { StoredSupportConversation } from '../support/support.repository.js';
import type { ClaimedRun, RoutingEngine, TriggerEvent } from './routing-engine.js';
import type { RoutingRepository } from './routing.repository.js';

export interface RoutingTriggersDeps {
  readonly db: Database;
  readonly repository: RoutingRepository;
  readonly engine: RoutingEngine;
  readonly logger: Pick<Logger, 'warn'>;
  readonly now?: () => Date;
}

/** An opening-hours boundary fires rules for at most this many unresolved conversations of the inbox. */
const maxConversationsPerBoundary = 1000;

/**
 * Where rules are fired: every trigger reaches the engine from one of these, after the change that
 * caused it committed (never inside it, never inside a chat turn). A status change, a creation and a
 * label added come from the desk's change functions' hooks; a contact's message from the conversations'
 * log (whatever channel stored it); an opening-hours boundary from a sweep on job-running nodes.
 */
export function createRoutingTriggers(deps: RoutingTriggersDeps) {
  const { db, repository, engine, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const running = new Set<Promise<void>>();
  // Whether a tenant has rules on contacts' messages: a stored message of a tenant without any nudges no reader.
  const messageRuleTenants = createExpiringCache<boolean>({ ttlMs: settingsCacheTtlMs, maxEntries: 10_000 });

  /** Runs in the background, tracked so tests and shutdown can wait for it. */
  function track(work: () => Promise<void>): void {
    const promise = work()
      .catch((error: unknown) => logger.warn({ err: error }, 'Routing rules could not run for a change'))
      .finally(() => running.delete(promise));
    running.add(promise);
  }
  const fire = (event: TriggerEvent) => track(() => engine.fire(event));

  return {
    /** Whether a stored message of the tenant is worth reading the log for now (cached; told of rule changes). */
    hasMessageRules: (tenantId: string): Promise<boolean> =>
      messageRuleTenants.load(tenantId, () => repository.hasMessageRules(db, tenantId)),

    /** The tenant's rules changed (on any node: the invalidation bus). */
    forgetRules(tenantId: string): void {
      if (tenantId === everyKey) messageRuleTenants.clear();
      else messageRuleTenants.invalidate(tenantId);
    },

    onCreated(tenantId: string, created: StoredSupportConversation): void {
      fire({ tenantId, supportConversationId: created.id, trigger: 'created', key: 'created', depth: 0 });
    },

    onStatusChanged(change: SupportChange): void {
      if (change.action === 'create' || !change.eventId || change.before.status === change.after.status) return;
      fire({
        tenantId: change.tenantId,
        supportConversationId: change.after.id,
        trigger: 'status_changed',
        key: `change:${change.eventId}`,
        depth: change.depth ?? 0,
      });
    },

    onLabelsAdded(added: LabelsAdded): void {
      for (const label of added.labels) {
        fire({
          tenantId: added.tenantId,
          supportConversationId: added.supportConversationId,
          trigger: 'label_added',
          key: `labels:${added.changeId}:${label}`,
          depth: added.depth,
          addedLabel: label,
        });
      }
    },

    /**
     * The log's reader of contacts' messages (cursor `routing`): the rules' firing is claimed in the
     * transaction that moves the cursor, their actions run once it committed. A node that dies between
     * the two leaves the claim with no outcomes, shown as such on the conversation; a pass repeated by
     * another node finds the claim and fires nothing twice.
     */
    contactMessages(): LogReader {
      return {
        name: 'routing',
        only: repository.contactMessagesInLog(),
        batchSize: 200,
        handle: async (tx, events) => {
          const claimed: ClaimedRun[] = [];
          for (const event of events) {
            if (!event.messageId) continue;
            const context = await repository.findContextOfChat(tx, event.tenantId, event.conversationId);
            if (!context) continue;
            const message = messageOfLogPayload(event.payload);
            claimed.push(
              ...(await engine.claim(tx, {
                tenantId: event.tenantId,
                supportConversationId: context.conversation.id,
                trigger: 'contact_message',
                key: `message:${event.messageId}`,
                depth: 0,
                messageText: message.content,
              })),
            );
          }
          if (claimed.length > 0) {
            afterCommit(tx, () =>
              track(async () => {
                for (const run of claimed) await engine.act(run);
              }),
            );
          }
        },
      };
    },

    /**
     * One look at every inbox's opening hours: an inbox that opened or closed since the last look moves
     * its `hours_state` by compare-and-set (so one node sees each boundary) and fires its rules for each
     * unresolved conversation. An inbox's first look only records where it stands.
     */
    async sweepHours(): Promise<number> {
      const at = now();
      let boundaries = 0;
      for (const inbox of await repository.listInboxesWithHours(db)) {
        const state = isOpenAt(inbox.businessHours, at) ? 'open' : 'closed';
        if (state === inbox.hoursState) continue;
        if (!(await repository.moveHoursState(db, inbox.id, inbox.hoursState, state))) continue;
        if (inbox.hoursState === null) continue;
        boundaries += 1;
        const minute = new Date(Math.floor(at.getTime() / 60_000) * 60_000).toISOString();
        const waiting = await repository.listUnresolvedOfInbox(
          db,
          inbox.tenantId,
          inbox.id,
          maxConversationsPerBoundary,
        );
        for (const conversation of waiting) {
          await engine.fire({
            tenantId: inbox.tenantId,
            supportConversationId: conversation.id,
            trigger: state === 'open' ? 'business_hours_started' : 'business_hours_ended',
            key: `hours:${state}:${minute}`,
            depth: 0,
          });
        }
      }
      return boundaries;
    },

    /** Waits for the rules still running (tests, shutdown). */
    async drain(): Promise<void> {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}

export type RoutingTriggers = ReturnType<typeof createRoutingTriggers>;
