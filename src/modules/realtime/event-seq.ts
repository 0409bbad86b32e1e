import type { MessageView } from '../conversations/index.js';

/**
 * Sequence numbers of a conversation's events: milliseconds since 1970 × 1000 plus a counter, so they
 * grow across restarts without being stored (a node starting again counts on from its clock), and a
 * stored message has one too, computed from its row: the `seq` of the event that made it what it is.
 * That is what lets `after` replay stored messages and the reply in flight together, with no gap and
 * no duplicate.
 */
const perMillisecond = 1000;

/** The seq of a stored message's final state: the last slot of the millisecond it was completed (or created). */
export function storedSeqOf(message: Pick<MessageView, 'completedAt' | 'createdAt'>): number {
  const at = Date.parse(message.completedAt ?? message.createdAt);
  return at * perMillisecond + (perMillisecond - 1);
}

/** Allocates increasing seqs per conversation on this node; forgets conversations quiet for a while. */
export function createSeqAllocator(now: () => number = Date.now) {
  const last = new Map<string, number>();
  let allocations = 0;

  function forgetQuiet(): void {
    // A conversation whose last seq is behind the clock needs no memory: the clock alone is ahead of it.
    const floor = now() * perMillisecond;
    for (const [conversationId, seq] of last) if (seq < floor) last.delete(conversationId);
  }

  return {
    /** The next seq of a conversation, above `atLeast` when given (a stored message's own seq). */
    next(conversationId: string, atLeast = 0): number {
      if (++allocations % 1024 === 0) forgetQuiet();
      const seq = Math.max((last.get(conversationId) ?? 0) + 1, now() * perMillisecond, atLeast);
      last.set(conversationId, seq);
      return seq;
    },
    /** Notes a seq fixed elsewhere (a stored message's), so later events come after it. */
    observe(conversationId: string, seq: number): void {
      if (seq > (last.get(conversationId) ?? 0)) last.set(conversationId, seq);
    },
    last: (conversationId: string): number => last.get(conversationId) ?? 0,
  };
}

export type SeqAllocator = ReturnType<typeof createSeqAllocator>;
