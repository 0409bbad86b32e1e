import { everyKey, type InvalidationBus } from '../../../platform/cache/invalidation-bus.js';

/** One reply being written on this node, as its turn sees it. */
export interface ReplyRun {
  /** Aborted when the reply is stopped: by its owner, or because its conversation was deleted. */
  readonly signal: AbortSignal;
  /** Adds what the model just said to the reply's draft, which the lease renewal saves (reply-leases.ts). */
  readonly addToDraft: (kind: 'text' | 'reasoning', delta: string) => void;
  /** Called once the reply is stored; whoever waits for the stop then reads it. */
  readonly done: () => void;
}

/** What a reply has said so far; a node that dies loses only what came after its last save. */
export interface ReplyDraft {
  readonly messageId: string;
  readonly text: string;
  readonly reasoning: string;
}

interface RunningReply {
  readonly conversationId: string;
  readonly ownerId: string;
  readonly stop: AbortController;
  readonly done: Promise<void>;
  draft: { text: string; reasoning: string; isSaved: boolean };
}

/** A stop of every reply of one owner, on the bus (ids hold no colon, so this never reads as an id). */
const ownerKeyPrefix = 'owner:';

/** A stop can reach a node before the turn it names is registered there (sent a moment after the send). */
const earlyStopTtlMs = 30_000;

/**
 * Stopping replies wherever they are written. A stop is published on the bus, so with Redis every node
 * hears it (ADR 7); the node writing the reply aborts its model call, and the turn stores what was
 * written until then. Deleting a conversation stops its replies the same way, so no model keeps
 * talking (and costing) for a conversation that is gone.
 */
export function createReplyStops(bus: Pick<InvalidationBus, 'publish' | 'subscribe'>) {
  const running = new Map<string, RunningReply>();
  /** Background model calls on a conversation (the companion's jobs): stopped with its replies. */
  const backgroundCalls = new Set<{ readonly conversationId: string; readonly stop: AbortController }>();
  /** Stops that named a reply not running here yet, by message id, with when they lapse. */
  const early = new Map<string, number>();

  function stopHere(key: string): void {
    if (key === everyKey) return;
    if (key.startsWith(ownerKeyPrefix)) {
      const ownerId = key.slice(ownerKeyPrefix.length);
      for (const run of running.values()) if (run.ownerId === ownerId) run.stop.abort();
      return;
    }
    const [conversationId, messageId] = key.split('/');
    if (messageId === undefined) {
      for (const run of running.values()) if (run.conversationId === conversationId) run.stop.abort();
      for (const call of backgroundCalls) if (call.conversationId === conversationId) call.stop.abort();
      return;
    }
    const run = running.get(messageId);
    if (run) run.stop.abort();
    else rememberEarly(messageId);
  }

  function rememberEarly(messageId: string): void {
    const now = Date.now();
    for (const [id, lapsesAt] of early) if (lapsesAt <= now) early.delete(id);
    early.set(messageId, now + earlyStopTtlMs);
  }

  bus.subscribe('reply-stops', stopHere);

  return {
    /**
     * Registers a reply this node starts writing in `conversationId`, owned by `ownerId`; `done` must be
     * called once it is stored. A reply that continues (a tool call was approved) starts from what it
     * had said before.
     */
    track(
      conversationId: string,
      messageId: string,
      ownerId: string,
      saidBefore: { text: string; reasoning: string } = { text: '', reasoning: '' },
    ): ReplyRun {
      const stop = new AbortController();
      let markDone!: () => void;
      const done = new Promise<void>((resolve) => (markDone = resolve));
      const draft = { ...saidBefore, isSaved: true };
      running.set(messageId, { conversationId, ownerId, stop, done, draft });
      const lapsesAt = early.get(messageId);
      if (lapsesAt !== undefined) {
        early.delete(messageId);
        if (lapsesAt > Date.now()) stop.abort();
      }
      return {
        signal: stop.signal,
        addToDraft: (kind, delta) => {
          draft[kind] += delta;
          draft.isSaved = false;
        },
        done: () => {
          running.delete(messageId);
          markDone();
        },
      };
    },
    /**
     * Registers a background model call about to start on `conversationId` (a summary, a memory, a
     * personality suggestion): a stop of the conversation's replies (a person took it, it was deleted)
     * aborts it too. Register before asking whether the call may still run, so that a change committed
     * after that question stops the call; `done` once the call ended.
     */
    watchConversation(conversationId: string): { readonly signal: AbortSignal; done(): void } {
      const call = { conversationId, stop: new AbortController() };
      backgroundCalls.add(call);
      return { signal: call.stop.signal, done: () => void backgroundCalls.delete(call) };
    },
    /**
     * Forgets a stop held for a reply not running here, before the reply is written again (a retry keeps
     * its message id): that stop was for the attempt that failed, perhaps on a node that died.
     */
    forgetHeldStop: (messageId: string): void => void early.delete(messageId),
    /** Stops one reply, on whichever node writes it. */
    stopReply: (conversationId: string, messageId: string): void =>
      bus.publish('reply-stops', `${conversationId}/${messageId}`),
    /** Stops every reply of a conversation (it was deleted). */
    stopConversation: (conversationId: string): void => bus.publish('reply-stops', conversationId),
    /** Stops every reply in the conversations of a user (deleted or disabled). */
    stopOwner: (ownerId: string): void => bus.publish('reply-stops', `${ownerKeyPrefix}${ownerId}`),
    /** The replies this node is writing now (their leases are renewed: reply-leases.ts). */
    runningReplyIds: (): string[] => [...running.keys()],
    /** The drafts that grew since this was last asked, each then counted as saved. */
    takeUnsavedDrafts(): ReplyDraft[] {
      const unsaved: ReplyDraft[] = [];
      for (const [messageId, { draft }] of running) {
        if (draft.isSaved) continue;
        draft.isSaved = true;
        unsaved.push({ messageId, text: draft.text, reasoning: draft.reasoning });
      }
      return unsaved;
    },
    /** Settles when a reply written on this node is stored; undefined when it is not written here. */
    whenStored: (messageId: string): Promise<void> | undefined => running.get(messageId)?.done,
  };
}

export type ReplyStops = ReturnType<typeof createReplyStops>;
