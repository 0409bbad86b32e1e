import type { Actor } from '../../access/actor.js';
import { canUseAgent } from '../../access/agent-access.js';
import type { StoredAttachment } from '../../platform/db/schema/index.js';
import { AppError } from '../../platform/errors.js';
import type { TurnContextRow } from './chat.repository.js';
import type { ModelResolver, ResolvedModel } from './turn/model-resolver.js';
import type { TurnAgent } from './tools/tool-turn.js';
import { splitReplySettingsOf } from './turn/split-replies.js';
import { readCompanionSettings } from '../agents/companion-settings.js';

export interface TurnChecksDeps {
  readonly resolveModel: ModelResolver;
  /** Checks and prepares the files a message carries (the files module); absent, messages carry none. */
  readonly prepareAttachments: ((actor: Actor, fileIds: readonly string[]) => Promise<StoredAttachment[]>) | undefined;
}

export interface AgentModel {
  readonly agent: TurnAgent;
  readonly resolved: ResolvedModel;
}

/** What a turn checks before anything is stored, so that a bad request is a clean 4xx (chat.service.ts). */
export function createTurnChecks(deps: TurnChecksDeps) {
  /** The agent and its model, checked before anything is stored so a bad configuration is a clean 4xx. */
  async function resolveAgentModel(
    actor: Actor,
    conversation: Pick<TurnContextRow['conversation'], 'id' | 'contactId'>,
    usable: TurnContextRow['agent'],
    /** The turn's statement counts the person's message (`ResolvedModel.messageToCount`), not the resolver. */
    isMessageCountedByCaller = false,
  ): Promise<AgentModel> {
    if (!usable || !canUseAgent(actor, usable)) {
      throw new AppError(
        'unprocessable',
        "This conversation's agent no longer exists or is no longer available to you; start a new conversation",
      );
    }
    const { visibility: _visibility, ownerId: _ownerId, updatedAt: _updatedAt, companion, ...agent } = usable;
    const settings = readCompanionSettings(companion);
    const splitReplies = splitReplySettingsOf(settings);
    // A person's message counts against their daily cap; the widget's visitors (a system actor on the
    // desk user's behalf) count against the tenant's budgets only, not as one person.
    const isContact = actor.via === 'system';
    // The ledger names the contact, never the desk user the widget acts as.
    const use = {
      path: isContact ? ('support' as const) : ('chat' as const),
      messageFrom: isContact ? undefined : actor.userId,
      userId: isContact ? undefined : actor.userId,
      contactId: isContact ? conversation.contactId : undefined,
      agentId: usable.id,
      agentVersion: usable.publishedVersion,
      conversationId: conversation.id,
      isMessageCountedByCaller,
      // The turn's reply statement runs its call's charge (chat-turn.ts storeReply): one statement after the model.
      isChargeHandedToCaller: true,
    };
    return {
      agent: { ...agent, companion, keepsSummaries: settings.summaries, ...(splitReplies && { splitReplies }) },
      resolved: await deps.resolveModel(actor.tenantId, agent.model, use),
    };
  }

  /** A file that is not the sender's, or that no model could be given, is a 4xx before anything is stored. */
  async function prepareAttachments(actor: Actor, fileIds: readonly string[] | undefined) {
    if (!fileIds?.length) return null;
    if (!deps.prepareAttachments) {
      throw new AppError('validation_failed', 'This server does not accept files with messages; send text only');
    }
    return deps.prepareAttachments(actor, fileIds);
  }

  return { resolveAgentModel, prepareAttachments };
}
