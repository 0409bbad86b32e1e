import { hasRoleAtLeast, type Actor } from '../../access/actor.js';
import { AppError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import type { AuthService } from '../auth/index.js';
import type { RealtimeConnection, RealtimeHub } from './realtime-hub.js';
import { closeCodes } from './realtime.schemas.js';

export interface SocketRightsDeps {
  readonly hub: RealtimeHub;
  readonly auth: Pick<AuthService, 'currentIdentity'>;
  readonly logger: Pick<Logger, 'warn'>;
}

/** Whether `actor` may watch a conversation now: the same check a `subscribe` makes. */
export type WatchRule = (actor: Actor, conversationId: string) => Promise<void>;

/**
 * Keeps every socket of this node within what its credential stands for now, as HTTP is on every
 * request. Told (through the invalidation bus, so on every node) when a user is demoted or promoted,
 * disabled, deleted, signed out, or loses a key, and every minute besides, it asks auth what each of
 * the user's sockets' credentials stands for today (and when a conversation is deleted, whether its
 * watchers may still watch it):
 * - nothing any more: the socket is closed (4001);
 * - a lower role: the socket acts with it from then on (the operators' channel and presence follow
 *   the role), and each subscription that role may not hold ends with a `subscription_ended` error frame.
 */
export function createSocketRights(deps: SocketRightsDeps) {
  const { hub } = deps;
  // The rule is the realtime service's, made once chat and conversations exist (registerRoutes).
  let mayWatch: WatchRule | undefined;

  /**
   * Ends `connection`'s subscription to `conversationId` with an error frame when the watch rule refuses
   * it now. `why` words the refusal for the frame: what changed, and that the subscription ended.
   */
  async function endIfRefused(
    connection: RealtimeConnection,
    conversationId: string,
    why: { refused: string; unchecked: string },
  ): Promise<'kept' | 'ended' | 'changed-meanwhile'> {
    const { actor } = connection;
    const refusal = await mayWatch?.(actor, conversationId).then(
      () => undefined,
      (error: unknown) => error,
    );
    // The socket's rights changed again meanwhile: that change's own review judges what is left.
    if (connection.actor !== actor) return 'changed-meanwhile';
    if (refusal === undefined || !hub.isSubscribed(connection, conversationId)) return 'kept';
    hub.unsubscribe(connection, conversationId);
    const isRefused = refusal instanceof AppError && refusal.status < 500;
    connection.send({
      type: 'error',
      code: 'subscription_ended',
      conversationId,
      message: isRefused ? why.refused : why.unchecked,
    });
    return 'ended';
  }

  async function endSubscriptionsBeyond(connection: RealtimeConnection): Promise<void> {
    const { role } = connection.actor;
    for (const conversationId of hub.watchedBy(connection)) {
      const outcome = await endIfRefused(connection, conversationId, {
        refused: `Your role is now '${role}', which may not watch conversation '${conversationId}': this subscription ended`,
        unchecked: `Your role is now '${role}' and whether it may still watch conversation '${conversationId}' could not be checked: this subscription ended; subscribe again`,
      });
      if (outcome === 'changed-meanwhile') return;
    }
  }

  async function recheck(connection: RealtimeConnection): Promise<void> {
    const current = await deps.auth.currentIdentity(connection.credential).catch((error: unknown) => {
      // The database did not answer: the socket keeps what it has until the next check.
      deps.logger.warn({ err: error }, 'realtime credential could not be checked again');
      return undefined;
    });
    if (current === undefined) return;
    if (current === null) {
      connection.close(closeCodes.credentialsEnded, 'Your credentials ended: sign in again');
      return;
    }
    const previous = connection.actor;
    if (current.actor.role === previous.role) return;
    hub.changeActor(connection, current.actor);
    if (!hasRoleAtLeast(current.actor, previous.role)) await endSubscriptionsBeyond(connection);
  }

  return {
    setWatchRule(rule: WatchRule): void {
      mayWatch = rule;
    },
    /** Judges every socket of the user on this node again. */
    async recheckUser(userId: string): Promise<void> {
      await Promise.all(hub.connectionsOf(userId).map(recheck));
    },
    /**
     * Judges again every subscription of this node to a conversation whose access changed (it was
     * deleted): each one the watch rule now refuses ends with a `subscription_ended` frame.
     */
    async recheckWatchers(conversationId: string): Promise<void> {
      const watchers = hub.all().filter((connection) => hub.isSubscribed(connection, conversationId));
      await Promise.all(
        watchers.map((connection) =>
          endIfRefused(connection, conversationId, {
            refused: `Conversation '${conversationId}' was deleted or you may no longer watch it: this subscription ended`,
            unchecked: `Whether you may still watch conversation '${conversationId}' could not be checked after it changed: this subscription ended; subscribe again`,
          }),
        ),
      );
    },
    /** Judges every socket of this node again (a periodic pass, or after invalidations may have been missed). */
    async recheckEveryone(): Promise<void> {
      await Promise.all(hub.all().map(recheck));
    },
  };
}

export type SocketRights = ReturnType<typeof createSocketRights>;
