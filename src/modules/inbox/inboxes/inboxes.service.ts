import { randomBytes } from 'node:crypto';
import type { Actor } from '../../../access/actor.js';
import { requireAdmin } from '../../../access/require-access.js';
import type { Database } from '../../../platform/db/client.js';
import { toPage, type Page, type PageRequest } from '../../../platform/db/pagination.js';
import { isUniqueViolation } from '../../../platform/db/errors.js';
import { AppError, conflict, notFound } from '../../../platform/errors.js';
import { newId } from '../../../platform/ids.js';
import { decryptSecret, encryptSecret } from '../../../platform/secrets.js';
import { storedReplyTargets } from '../teams/teams.schemas.js';
import { isVerifiedExternalId } from './identity-verification.js';
import type { InboxChanges, InboxesRepository, StoredInbox } from './inboxes.repository.js';
import {
  defaultHandoffKeywords,
  presentInbox,
  type CreateInboxInput,
  type InboxView,
  type UpdateInboxInput,
} from './inboxes.schemas.js';

export interface InboxesServiceDeps {
  readonly db: Database;
  readonly repository: InboxesRepository;
  /** Seals the signing secrets at rest, as provider keys are (platform/secrets.ts). */
  readonly credentialsKey: Buffer;
  /** Refuses an address at a domain no platform admin approved for the tenant (email-domains.service.ts). */
  readonly requireApprovedAddress: (tenantId: string, address: string) => Promise<void>;
  /** Told after a tenant's inbox is made or removed (every node forgets whether the tenant has an email inbox). */
  readonly onInboxesChanged?: (tenantId: string) => void;
  /** Refuses a team that is not the tenant's (404), before an inbox is given it (teams.service.ts). */
  readonly requireTeam: (tenantId: string, teamId: string) => Promise<void>;
}

const defaultWidgetColor = '#2563eb';

/** 32 random bytes: what the tenant's server signs its users' ids with. */
const newSigningSecret = (): string => `pis_${randomBytes(32).toString('base64url')}`;

/** Open conversations per operator before round-robin passes them by, unless the inbox says otherwise. */
const defaultOperatorCapacity = 5;

/** An address another inbox (of any tenant) holds: the listener could not tell them apart. */
function refuseTakenAddress(address: string | undefined) {
  return (error: unknown): never => {
    if (address !== undefined && isUniqueViolation(error, 'inboxes_email_address_unique')) {
      throw conflict(`The address '${address}' belongs to another inbox already; choose another address`);
    }
    throw error;
  };
}

export function createInboxesService(deps: InboxesServiceDeps) {
  const { db, repository, credentialsKey } = deps;

  async function findInbox(tenantId: string, inboxId: string): Promise<StoredInbox> {
    const inbox = await repository.findInbox(db, tenantId, inboxId);
    if (!inbox) throw notFound('Inbox', inboxId);
    return inbox;
  }

  /** The AI of an inbox answers every contact, so it must be an agent shared with the whole tenant. */
  async function requireSharedAgent(tenantId: string, agentId: string | null): Promise<void> {
    if (agentId === null) return;
    const visibility = await repository.findAgentVisibility(db, tenantId, agentId);
    if (visibility === undefined) throw notFound('Agent', agentId);
    if (visibility !== 'tenant') {
      throw new AppError(
        'unprocessable',
        `Agent '${agentId}' is private: share it with the tenant before an inbox answers with it`,
      );
    }
  }

  return {
    async list(actor: Actor, page: PageRequest): Promise<Page<InboxView>> {
      return toPage(await repository.listInboxes(db, actor.tenantId, page), page.limit, presentInbox);
    },

    async get(actor: Actor, inboxId: string): Promise<InboxView> {
      return presentInbox(await findInbox(actor.tenantId, inboxId));
    },

    async create(actor: Actor, input: CreateInboxInput): Promise<InboxView & { signingSecret: string }> {
      requireAdmin(actor);
      await requireSharedAgent(actor.tenantId, input.agentId);
      if (input.emailAddress !== undefined) await deps.requireApprovedAddress(actor.tenantId, input.emailAddress);
      if (input.teamId !== null) await deps.requireTeam(actor.tenantId, input.teamId);
      const signingSecret = newSigningSecret();
      const inbox = await repository
        .insertInbox(db, {
          id: newId(),
          tenantId: actor.tenantId,
          name: input.name,
          kind: input.kind,
          emailAddress: input.emailAddress ?? null,
          agentId: input.agentId,
          allowedOrigins: input.allowedOrigins,
          widgetTitle: input.widget.title ?? input.name,
          widgetColor: input.widget.color ?? defaultWidgetColor,
          widgetGreeting: input.widget.greeting ?? '',
          widgetTexts: input.widget.texts ?? {},
          businessHours: input.businessHours,
          handoffKeywords: input.handoff.keywords ?? defaultHandoffKeywords,
          onAiFailure: input.handoff.onAiFailure ?? 'handover',
          noAnswerReply: input.handoff.noAnswerReply ?? '',
          isCsatEnabled: input.csatEnabled,
          citations: input.citations,
          isMemoryEnabled: input.memory,
          isAutoAssignEnabled: input.assignment.roundRobin ?? false,
          operatorCapacity: input.assignment.operatorCapacity ?? defaultOperatorCapacity,
          teamId: input.teamId,
          replyTargets: storedReplyTargets(input.replyTargets),
          encryptedSigningSecret: encryptSecret(credentialsKey, signingSecret),
          signingSecretRotatedAt: new Date(),
        })
        .catch(refuseTakenAddress(input.emailAddress));
      deps.onInboxesChanged?.(actor.tenantId);
      return { ...presentInbox(inbox), signingSecret };
    },

    async update(actor: Actor, inboxId: string, input: UpdateInboxInput): Promise<InboxView> {
      requireAdmin(actor);
      const current = await findInbox(actor.tenantId, inboxId);
      if (input.agentId !== undefined && input.agentId !== current.agentId) {
        await requireSharedAgent(actor.tenantId, input.agentId);
      }
      if (input.emailAddress !== undefined && current.kind !== 'email') {
        throw new AppError('unprocessable', `Inbox '${inboxId}' is not an email inbox: only those have an address`);
      }
      if (input.emailAddress !== undefined && input.emailAddress !== current.emailAddress) {
        await deps.requireApprovedAddress(actor.tenantId, input.emailAddress);
      }
      if (input.teamId !== undefined && input.teamId !== null && input.teamId !== current.teamId) {
        await deps.requireTeam(actor.tenantId, input.teamId);
      }
      const changes: InboxChanges = {
        ...(input.name !== undefined && { name: input.name }),
        ...(input.emailAddress !== undefined && { emailAddress: input.emailAddress }),
        ...(input.agentId !== undefined && { agentId: input.agentId }),
        ...(input.allowedOrigins !== undefined && { allowedOrigins: input.allowedOrigins }),
        ...(input.widget?.title !== undefined && { widgetTitle: input.widget.title }),
        ...(input.widget?.color !== undefined && { widgetColor: input.widget.color }),
        ...(input.widget?.greeting !== undefined && { widgetGreeting: input.widget.greeting }),
        ...(input.widget?.texts !== undefined && { widgetTexts: input.widget.texts }),
        ...(input.businessHours !== undefined && { businessHours: input.businessHours }),
        ...(input.handoff?.keywords !== undefined && { handoffKeywords: input.handoff.keywords }),
        ...(input.handoff?.onAiFailure !== undefined && { onAiFailure: input.handoff.onAiFailure }),
        ...(input.handoff?.noAnswerReply !== undefined && { noAnswerReply: input.handoff.noAnswerReply }),
        ...(input.csatEnabled !== undefined && { isCsatEnabled: input.csatEnabled }),
        ...(input.citations !== undefined && { citations: input.citations }),
        ...(input.memory !== undefined && { isMemoryEnabled: input.memory }),
        ...(input.assignment?.roundRobin !== undefined && { isAutoAssignEnabled: input.assignment.roundRobin }),
        ...(input.assignment?.operatorCapacity !== undefined && {
          operatorCapacity: input.assignment.operatorCapacity,
        }),
        ...(input.teamId !== undefined && { teamId: input.teamId }),
        ...(input.replyTargets !== undefined && { replyTargets: storedReplyTargets(input.replyTargets) }),
      };
      const updated = await repository
        .updateInbox(db, actor.tenantId, inboxId, changes)
        .catch(refuseTakenAddress(input.emailAddress));
      if (!updated) throw notFound('Inbox', inboxId);
      return presentInbox(updated);
    },

    /**
     * A new secret replaces the old at once: ids signed with the old one stop verifying, and the
     * sessions the old one verified end with it (a rotation is how a leaked secret is answered, and
     * whoever held it may have opened sessions as any of the site's users). Anonymous sessions stay:
     * the secret never vouched for them, and their visitors would lose their conversations for nothing.
     */
    async rotateSigningSecret(actor: Actor, inboxId: string): Promise<InboxView & { signingSecret: string }> {
      requireAdmin(actor);
      const signingSecret = newSigningSecret();
      const updated = await db.transaction(async (tx) => {
        const row = await repository.updateInbox(tx, actor.tenantId, inboxId, {
          encryptedSigningSecret: encryptSecret(credentialsKey, signingSecret),
          signingSecretRotatedAt: new Date(),
        });
        if (row) await repository.endVerifiedSessions(tx, actor.tenantId, inboxId);
        return row;
      });
      if (!updated) throw notFound('Inbox', inboxId);
      return { ...presentInbox(updated), signingSecret };
    },

    async remove(actor: Actor, inboxId: string): Promise<void> {
      requireAdmin(actor);
      if (!(await repository.deleteInbox(db, actor.tenantId, inboxId))) throw notFound('Inbox', inboxId);
      deps.onInboxesChanged?.(actor.tenantId);
    },

    /** For the widget API: whether the tenant's server vouched for this external id (HMAC under the inbox secret). */
    async isVerifiedContact(tenantId: string, inboxId: string, externalId: string, signature: string) {
      const inbox = await findInbox(tenantId, inboxId);
      const secret = decryptSecret(credentialsKey, inbox.encryptedSigningSecret);
      return isVerifiedExternalId(secret, externalId, signature);
    },

    /** For support conversations: whether the inbox has an AI agent that answers first. */
    async hasAgent(tenantId: string, inboxId: string): Promise<boolean> {
      return (await findInbox(tenantId, inboxId)).agentId !== null;
    },
  };
}

export type InboxesService = ReturnType<typeof createInboxesService>;
