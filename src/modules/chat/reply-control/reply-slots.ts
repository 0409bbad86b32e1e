import { AppError } from '../../../platform/errors.js';

/** Gives a slot back; calling it again does nothing, so every way out of a turn may call it. */
export type ReleaseReplySlot = () => void;

/**
 * How many replies one user may have written at once on this node. A reply holds a model call, its
 * stream and its buffers for as long as the model talks, and the rate limit counts requests per minute,
 * not replies still running: without this bound one user's burst of sends (1,000 at once held 730 MB)
 * is paid for by everyone on the node. Counted per node on purpose: what it protects is this node's
 * memory and connections, and it needs no shared counter on the hot path.
 */
export function createReplySlots(maxPerUser: number) {
  const heldByUser = new Map<string, number>();

  return {
    /** Takes one of the user's slots before their model is called, or refuses with a 429. */
    claim(userId: string): ReleaseReplySlot {
      const held = heldByUser.get(userId) ?? 0;
      if (held >= maxPerUser) {
        throw new AppError(
          'rate_limited',
          `You already have ${held} replies being written at once, the most this server allows (CONCURRENT_REPLIES_PER_USER); wait for one to finish, or stop one, then send again`,
          { retryAfterSeconds: 1 },
        );
      }
      heldByUser.set(userId, held + 1);
      let isReleased = false;
      return () => {
        if (isReleased) return;
        isReleased = true;
        const left = (heldByUser.get(userId) ?? 1) - 1;
        if (left > 0) heldByUser.set(userId, left);
        else heldByUser.delete(userId);
      };
    },
  };
}

export type ReplySlots = ReturnType<typeof createReplySlots>;

/** Runs `work` holding a claimed slot: gives it back if `work` fails, else leaves it to what `work` started. */
export async function releasingOnFailure<T>(release: ReleaseReplySlot, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    release();
    throw error;
  }
}
