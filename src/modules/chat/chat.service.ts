import type { Actor, SignInToConfirm } from '../../access/actor.js';
import { inSpan } from '../../platform/tracing/spans.js';
import { canPostAsOwner, canViewOwned } from '../../access/owned-resources.js';
import type { StoredAttachment } from '../../platform/db/schema/index.js';
import { isForeignKeyViolation } from '../../platform/db/errors.js';
import { AppError, conflict, forbidden, notFound } from '../../platform/errors.js';
import { credentialNotAccepted } from '../auth/index.js';
import { dailyCapRefusal } from '../budgets/index.js';
import { newId } from '../../platform/ids.js';
import { boundedBy } from '../../platform/time-bound.js';
import { presentMessage, storeAnnounced, type MessageView } from '../conversations/index.js';
import type { ChatTurnHandle, ChatTurnOutcome } from './turn/chat-events.js';
import { startChatTurn, type ChatTurnDeps, type StoredTurn } from './turn/chat-turn.js';
import { readHistoryBefore } from './turn/prompt-history.js';
import type { IdempotencyKeyRow, TurnContextRow } from './chat.repository.js';
import { requestFingerprint, type SendMessageInput } from './chat.schemas.js';
import type { ModelResolver } from './turn/model-resolver.js';
import { createToolApprovals, type ToolDecision } from './tools/tool-approval.js';
import type { ReplyStops } from './reply-control/reply-stops.js';
import { releasingOnFailure, type ReleaseReplySlot, type ReplySlots } from './reply-control/reply-slots.js';
import { replayStoredTurn, waitWhileStreaming, type TurnReplayDeps } from './turn/turn-replay.js';
import { withPersonalityOverride } from './turn/personality-override.js';
import { createTurnContexts, expectationOf } from './turn-contexts.js';
import { createTurnChecks, type AgentModel } from './turn-checks.js';

export interface ChatServiceDeps extends ChatTurnDeps {
  readonly resolveModel: ModelResolver;
  /** Checks and prepares the files a message carries (the files module); absent, messages carry none. */
  readonly prepareAttachments: ((actor: Actor, fileIds: readonly string[]) => Promise<StoredAttachment[]>) | undefined;
  readonly replay: Pick<TurnReplayDeps, 'maxWaitMs' | 'pollIntervalMs'>;
  readonly stops: ReplyStops;
  /** Bounds the replies one user has written at once on this node (reply-slots.ts). */
  readonly slots: ReplySlots;
  /** How long a stop waits for the reply to be stored before answering that it is on its way. */
  readonly stopWaitMs: number;
  /** Who a sign-in stands for now (the auth module's check), or null once it ended. */
  readonly confirmSignIn: (signIn: SignInToConfirm) => Promise<Actor | null>;
}

/** A reply its owner asked to stop: as stored, or still `streaming` if it was not stored in time. */
export interface StoppedReply {
  readonly message: MessageView;
  readonly isStored: boolean;
}

/** What `sendAgainst` answers when the conversation or its agent changed since they were read: nothing stored. */
const changed = Symbol('changed since read');

export function createChatService(deps: ChatServiceDeps) {
  const { db, repository } = deps;
  /** Turns streaming in this process, so a retried request can join one instead of polling. */
  const turnsInFlight = new Map<string, ChatTurnHandle>();
  const approvals = createToolApprovals(deps);
  const { resolveAgentModel, prepareAttachments } = createTurnChecks(deps);
  const contexts = createTurnContexts((tenantId, conversationId) =>
    repository.findTurnContext(db, tenantId, conversationId),
  );

  async function replay(actor: Actor, key: IdempotencyKeyRow, fingerprint: string): Promise<ChatTurnHandle> {
    if (key.requestHash !== fingerprint) {
      throw new AppError(
        'idempotency_key_reused',
        `The Idempotency-Key '${key.key}' was already used for a different request; use a new key for a new message`,
      );
    }
    const running = turnsInFlight.get(key.assistantMessageId);
    if (running) return { ...running, isReplay: true };
    return replayStoredTurn({ ...deps.replay, db, repository, background: deps.background }, key);
  }

  /**
   * The conversation with its agent (without the conversation's personality), in one query (ADR 7), or
   * this node's copy of it unless `fresh` (turn-contexts.ts: a turn's statement checks the copy again).
   * Another tenant's or member's conversation is a 404.
   */
  async function findOwnConversation(actor: Actor, conversationId: string, fresh = true): Promise<TurnContextRow> {
    const row = await contexts.find(actor.tenantId, conversationId, fresh);
    if (!row || !canViewOwned(actor, row.conversation.ownerId)) throw notFound('Conversation', conversationId);
    if (!canPostAsOwner(actor, row.conversation.ownerId)) {
      throw forbidden("Only the conversation's owner can send messages in it");
    }
    return row;
  }

  /** A retried request (same Idempotency-Key) whose first attempt was stored, if there was one. */
  async function earlierAttempt(actor: Actor, idempotencyKey: string | undefined) {
    if (!idempotencyKey) return undefined;
    return repository.findIdempotencyKey(db, actor.tenantId, actor.userId, idempotencyKey);
  }

  /** A stopping node starts no turn: it could not finish it within the grace period. */
  function requireAcceptingTurns(): void {
    if (deps.shutdown.isDraining) {
      throw new AppError('not_ready', 'The server is shutting down; send the message again in a moment', {
        retryAfterSeconds: 1,
      });
    }
  }

  /** Starts a stored turn, which keeps the user's reply slot until it ends. */
  function startTrackedTurn(turn: StoredTurn, release: ReleaseReplySlot): ChatTurnHandle {
    const handle = startChatTurn(deps, turn);
    turnsInFlight.set(handle.assistantMessageId, handle);
    void handle.outcome.finally(() => {
      turnsInFlight.delete(handle.assistantMessageId);
      release();
    });
    return handle;
  }

  /**
   * The turn against this node's copy of the conversation; if the statement finds it changed, once more
   * against a fresh read (which a concurrent change can outdate again, rarely twice).
   */
  async function sendChecked(
    actor: Actor,
    conversationId: string,
    input: SendMessageInput,
    idempotencyKey: string | undefined,
    signIn: SignInToConfirm | null,
  ): Promise<ChatTurnHandle> {
    for (const fresh of [false, true]) {
      const context = await findOwnConversation(actor, conversationId, fresh);
      // Once a statement answered `changed`, it had confirmed the sign-in: the next try needs not.
      const sent = await sendAgainst(actor, context, input, idempotencyKey, fresh ? null : signIn);
      if (sent !== changed) return sent;
      contexts.forget(actor.tenantId, conversationId);
    }
    throw conflict(
      `Conversation '${conversationId}' or its agent changed while the message was being sent; send it again`,
    );
  }

  /**
   * Stores the user's message, then starts the model on it. Everything that can make the request invalid
   * (conversation, permission, agent, model) is checked before anything is stored, so a bad configuration
   * is a clean 4xx and never a half-written turn; the statement that stores checks again that what the
   * checks read still holds, and stores nothing (`changed`) if not.
   */
  async function sendAgainst(
    actor: Actor,
    context: TurnContextRow,
    input: SendMessageInput,
    idempotencyKey: string | undefined,
    signIn: SignInToConfirm | null,
  ): Promise<ChatTurnHandle | typeof changed> {
    const { conversation, agent: usable } = context;
    const conversationId = conversation.id;
    const fingerprint = requestFingerprint(conversationId, input);
    let isSignInConfirmed = false;
    // A retry whose first attempt was stored is answered from it, even if the agent changed since or
    // the user has as many replies running as they may: it calls no model.
    const replayOr = async (error: unknown): Promise<ChatTurnHandle> => {
      // A replay reads what was stored: never for a sign-in not confirmed, which is read first.
      if (signIn && !isSignInConfirmed && !(await deps.confirmSignIn(signIn))) throw credentialNotAccepted();
      const key = await earlierAttempt(actor, idempotencyKey);
      if (key) return replay(actor, key, fingerprint);
      throw error;
    };
    let chosen: AgentModel;
    let release: ReleaseReplySlot;
    try {
      chosen = await resolveAgentModel(actor, conversation, usable, true);
      release = deps.slots.claim(actor.userId);
    } catch (error) {
      return replayOr(error);
    }
    const { resolved } = chosen;
    const expected = { ...expectationOf(actor.userId, { conversation, agent: usable! }), signIn };
    return releasingOnFailure(release, async () => {
      const attachments = await prepareAttachments(actor, input.fileIds);
      // Claiming the key and storing the messages is one statement: a concurrent retry waits on the
      // key's row, then finds it taken and replays this turn instead of calling the model again. The
      // user's message is announced with it (a replayed turn stored nothing, and announces nothing).
      // The round trip before the model (its one statement): a span of its own when tracing is on.
      const stored = await inSpan('chat.store turn', {}, () =>
        storeAnnounced(
          deps,
          actor.tenantId,
          (executor) =>
            repository.storeTurn(executor, {
              tenantId: actor.tenantId,
              conversationId,
              userMessageId: newId(),
              assistantMessageId: newId(),
              content: input.content,
              attachments,
              modelRef: resolved.modelRef,
              agentVersion: usable!.publishedVersion,
              now: new Date(),
              expected,
              ...(resolved.messageToCount && { messageToCount: resolved.messageToCount }),
              historyLimit: deps.historyLimit,
              historyMaxChars: deps.historyMaxChars,
              ...(idempotencyKey && {
                idempotencyClaim: { userId: actor.userId, key: idempotencyKey, requestHash: fingerprint },
              }),
            }),
          (turn) => (turn.isStored ? [presentMessage(turn.user)] : []),
        ).catch((error: unknown) => {
          // Deleted (with its owner, say) between the check above and the write: as if a moment later.
          if (isForeignKeyViolation(error)) throw notFound('Conversation', conversationId);
          throw error;
        }),
      );
      if (!stored.isSignInLive) {
        release();
        throw credentialNotAccepted();
      }
      isSignInConfirmed = true;
      if (!stored.isCurrent) {
        release();
        return changed;
      }
      if (!stored.isAdmitted) {
        release();
        return await replayOr(dailyCapRefusal(resolved.messageToCount!));
      }
      if (!stored.isStored) {
        release();
        return await replayOr(
          new AppError('conflict', 'A request with this Idempotency-Key is being processed; retry shortly'),
        );
      }
      // The conversation as the statement found it: its title, count and personality now, not as held.
      const agent = {
        ...withPersonalityOverride(chosen.agent, stored.conversation.personalityOverride),
        ...stored.agentLinks,
      };
      return startTrackedTurn(
        {
          actor,
          tenantId: actor.tenantId,
          conversationId,
          hasTitle: stored.conversation.title !== null,
          isFirstTurn: stored.conversation.messageCountBefore === 0,
          isSupport: conversation.isSupport,
          userMessage: stored.user,
          assistantMessage: stored.assistant,
          history: {
            messages: [
              ...stored.history,
              { id: stored.user.id, role: 'user', content: stored.user.content, attachments },
            ],
            isWhole: stored.isHistoryWhole,
            summary: stored.summary,
          },
          agent,
          resolved,
        },
        release,
      );
    });
  }

  return {
    /**
     * Stores the user's message, then starts the model on it (`sendAgainst`). `signIn`: the actor was let
     * in on this node's memory of their sign-in (the access hook, `confirmsSignIn`); the turn's statement
     * confirms it, and before any other answer is worded for it, it is read: a sign-in that ended is a 401,
     * one whose role changed is sent again as that role.
     */
    async sendMessage(
      actor: Actor,
      conversationId: string,
      input: SendMessageInput,
      idempotencyKey?: string,
      signIn: SignInToConfirm | null = null,
    ): Promise<ChatTurnHandle> {
      requireAcceptingTurns();
      if (!signIn) return sendChecked(actor, conversationId, input, idempotencyKey, null);
      try {
        return await sendChecked(actor, conversationId, input, idempotencyKey, signIn);
      } catch (error) {
        const current = await deps.confirmSignIn(signIn);
        if (!current) throw credentialNotAccepted();
        if (current.role !== actor.role) return sendChecked(current, conversationId, input, idempotencyKey, null);
        throw error;
      }
    },

    /**
     * Asks the model again for the conversation's latest reply, when that reply failed. The user's
     * message is not stored again: the failed reply is reset to `streaming` and written anew, so the
     * history reads as if the first attempt had never happened.
     */
    async retryReply(actor: Actor, conversationId: string, messageId: string): Promise<ChatTurnHandle> {
      requireAcceptingTurns();
      const { conversation, agent: asStored } = await findOwnConversation(actor, conversationId);
      const usable = asStored && withPersonalityOverride(asStored, conversation.personalityOverride);
      const failed = await repository.findMessage(db, actor.tenantId, messageId);
      if (!failed || failed.conversationId !== conversationId) throw notFound('Message', messageId);
      if (failed.role !== 'assistant' || failed.status !== 'error') {
        const state =
          failed.role !== 'assistant'
            ? 'not a reply'
            : failed.status === 'streaming'
              ? 'still being written'
              : 'a reply that did not fail';
        throw conflict(`Message '${messageId}' is ${state}; only a reply that ended in an error can be retried`);
      }
      const { agent, resolved } = await resolveAgentModel(actor, conversation, usable);
      const release = deps.slots.claim(actor.userId);
      return releasingOnFailure(release, async () => {
        const reply = { tenantId: actor.tenantId, conversationId, messageId, modelRef: resolved.modelRef };
        // Before the reset: a stop heard from now on is for this attempt, and may stop it.
        deps.stops.forgetHeldStop(messageId);
        const reopened = await db.transaction(async (tx) => {
          const assistant = await repository.reopenFailedReply(tx, { ...reply, now: new Date() });
          if (!assistant) return undefined;
          const user = await repository.messageBefore(tx, actor.tenantId, conversationId, messageId);
          // A reply with no question before it cannot be asked again; roll the reset back.
          if (user?.role !== 'user')
            throw conflict(`Message '${messageId}' has no message of yours before it to answer`);
          const history = await readHistoryBefore(deps, tx, { tenantId: actor.tenantId, conversationId, messageId });
          return { user, assistant, history };
        });
        if (!reopened) {
          throw conflict(
            `Message '${messageId}' is not the latest failed reply of this conversation (a newer message follows it, or a retry is already running); only the most recent failed reply can be retried`,
          );
        }
        return startTrackedTurn(
          {
            actor,
            tenantId: actor.tenantId,
            conversationId,
            hasTitle: conversation.title !== null,
            isFirstTurn: false,
            isSupport: conversation.isSupport,
            userMessage: reopened.user,
            assistantMessage: reopened.assistant,
            history: reopened.history,
            agent,
            resolved,
          },
          release,
        );
      });
    },

    /**
     * Approves or denies a tool call the reply waits for; once no call waits, the same reply continues
     * (approved calls run, the model is told of denied ones). The owner's alone; 409 when already decided.
     */
    decideToolCall(
      actor: Actor,
      conversationId: string,
      messageId: string,
      decision: ToolDecision,
    ): Promise<ChatTurnHandle> {
      requireAcceptingTurns();
      return approvals.decide(actor, conversationId, messageId, decision);
    },

    /**
     * Stops a reply while it is being written: the model call ends, and what was written until then
     * is the reply (`complete`, finish reason `stopped`). Its owner's alone, like sending. Whichever
     * node writes it hears the stop; this one waits (bounded) until the reply is stored.
     */
    async stopReply(actor: Actor, conversationId: string, messageId: string): Promise<StoppedReply> {
      await findOwnConversation(actor, conversationId);
      const reply = await repository.findMessage(db, actor.tenantId, messageId);
      if (!reply || reply.conversationId !== conversationId) throw notFound('Message', messageId);
      if (reply.role !== 'assistant' || reply.status !== 'streaming') {
        const state =
          reply.role !== 'assistant' ? 'not a reply' : `a reply that is not being written (${reply.status})`;
        throw conflict(`Message '${messageId}' is ${state}; only a reply still being written can be stopped`);
      }
      deps.stops.stopReply(conversationId, messageId);
      const writtenHere = deps.stops.whenStored(messageId);
      const latest = writtenHere
        ? await boundedBy(writtenHere, deps.stopWaitMs).then(() =>
            repository.findMessage(db, actor.tenantId, messageId),
          )
        : await waitWhileStreaming(
            { db, repository, maxWaitMs: deps.stopWaitMs, pollIntervalMs: deps.replay.pollIntervalMs },
            actor.tenantId,
            reply,
          );
      // Deleted meanwhile, with its conversation: gone, as if asked a moment later.
      if (!latest) throw notFound('Message', messageId);
      return { message: presentMessage(latest), isStored: latest.status !== 'streaming' };
    },

    /**
     * The finished turn as a response body, or the reply's error as a problem whose body still names
     * the stored messages (the user's message is kept; the client need not send it again).
     */
    async awaitReply(turn: ChatTurnHandle): Promise<{ userMessage: MessageView; assistantMessage: MessageView }> {
      const outcome: ChatTurnOutcome = await turn.outcome;
      if (outcome.error) {
        throw new AppError(outcome.error.code, outcome.error.message, {
          ...(outcome.error.retryAfterSeconds !== undefined && { retryAfterSeconds: outcome.error.retryAfterSeconds }),
          extensions: {
            conversationId: outcome.conversationId,
            userMessageId: outcome.userMessage.id,
            assistantMessageId: outcome.assistantMessage.id,
          },
        });
      }
      return { userMessage: outcome.userMessage, assistantMessage: outcome.assistantMessage };
    },

    /** Waits for every turn and title still running (shutdown, tests). */
    drain: () => deps.background.drain(),
  };
}

export type ChatService = ReturnType<typeof createChatService>;
