import { canSeeAllConversations, type Actor } from '../../../access/actor.js';
import type { Database } from '../../../platform/db/client.js';
import { AppError } from '../../../platform/errors.js';
import { newId } from '../../../platform/ids.js';
import type { Logger } from '../../../platform/logger.js';
import type { OperatorPresenceRepository, OperatorRow } from './operator-presence.repository.js';
import type { DeskPublisher } from './operator-desk.service.js';

export type PresenceStatus = 'online' | 'away' | 'offline';

/** A node renews its rows this often; a row not renewed for three times as long is a node that died. */
export const presenceRenewMs = 30_000;
const presenceFreshMs = 3 * presenceRenewMs;

export const presenceOf = (row: Pick<OperatorRow, 'connections' | 'isAway'>): PresenceStatus =>
  row.connections === 0 ? 'offline' : row.isAway ? 'away' : 'online';

export interface OperatorPresenceDeps {
  readonly db: Database;
  readonly repository: OperatorPresenceRepository;
  readonly publisher: DeskPublisher | undefined;
  readonly logger: Pick<Logger, 'warn'>;
}

/**
 * Operators' presence from their sockets: each node writes how many sockets each operator has on it
 * (one row per user and node, renewed every half-minute), so any node can say who is online. Away is
 * the operator's own choice, kept while they stay connected.
 */
export function createOperatorPresence(deps: OperatorPresenceDeps) {
  const { db, repository } = deps;
  const nodeId = newId();
  /** Writes per user in the order their sockets came and went. */
  const writes = new Map<string, Promise<void>>();
  const freshSince = () => new Date(Date.now() - presenceFreshMs);

  async function statusOf(tenantId: string, userId: string): Promise<PresenceStatus> {
    const row = (await repository.listOperators(db, tenantId, freshSince())).find((entry) => entry.id === userId);
    return row ? presenceOf(row) : 'offline';
  }

  async function writeConnections(actor: Actor, connections: number): Promise<void> {
    await repository.setNodeConnections(db, { tenantId: actor.tenantId, userId: actor.userId, nodeId, connections });
    const status = await statusOf(actor.tenantId, actor.userId);
    deps.publisher?.publishToOperators(actor.tenantId, { type: 'operator-presence', userId: actor.userId, status });
  }

  let renewal: NodeJS.Timeout | undefined;

  return {
    freshSince,

    /** The realtime hub's listener: a desk user's count of sockets on this node changed. */
    connectionsChanged(actor: Actor, connections: number): void {
      if (!canSeeAllConversations(actor)) return;
      const previous = writes.get(actor.userId) ?? Promise.resolve();
      const next = previous
        .then(() => writeConnections(actor, connections))
        .catch((error: unknown) => deps.logger.warn({ err: error }, 'operator presence could not be written'));
      writes.set(actor.userId, next);
      void next.finally(() => {
        if (writes.get(actor.userId) === next) writes.delete(actor.userId);
      });
    },

    /** The tenant's operators and administrators, each online, away or offline, with their open conversations. */
    async list(actor: Actor) {
      const rows = await repository.listOperators(db, actor.tenantId, freshSince());
      return {
        items: rows.map((row) => ({
          id: row.id,
          name: row.name,
          role: row.role,
          presence: presenceOf(row),
          openConversations: row.openConversations,
        })),
      };
    },

    /** Away or back online; presence comes from sockets, so a caller with none is told to connect first. */
    async setStatus(actor: Actor, status: 'online' | 'away') {
      await Promise.all([...writes.values()]);
      const isConnected = await repository.setAway(db, actor.tenantId, actor.userId, status === 'away');
      if (!isConnected) {
        throw new AppError(
          'conflict',
          'You have no open console (realtime socket), so you are offline; open the console, then set your presence',
        );
      }
      deps.publisher?.publishToOperators(actor.tenantId, { type: 'operator-presence', userId: actor.userId, status });
      return { presence: status };
    },

    start(): void {
      renewal = setInterval(() => {
        repository
          .renewNode(db, nodeId)
          .catch((error: unknown) => deps.logger.warn({ err: error }, 'operator presence could not be renewed'));
      }, presenceRenewMs);
      renewal.unref();
    },

    /** This node's sockets are closing: its rows go, so nobody stays online for 90 s after it stops. */
    async stop(): Promise<void> {
      clearInterval(renewal);
      await Promise.all([...writes.values()]);
      await repository.removeNode(db, nodeId).catch(() => undefined);
    },
  };
}

export type OperatorPresence = ReturnType<typeof createOperatorPresence>;
