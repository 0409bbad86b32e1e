import type { FastifyRequest } from 'fastify';
import { AppError } from '../../platform/errors.js';
import type { AuthService, Identified } from '../auth/index.js';
import type { ConnectionSlot, ConnectionSlots } from './connection-slots.js';
import type { RealtimeTickets } from './realtime-tickets.js';

export interface HandshakeDeps {
  readonly auth: Pick<AuthService, 'identify' | 'currentIdentity'>;
  readonly tickets: RealtimeTickets;
  readonly slots: ConnectionSlots;
  readonly corsOrigins: readonly string[];
  readonly connectionsPerUser: number;
}

export interface Admitted {
  readonly identified: Identified;
  /** Given back when the connection ends. */
  readonly slot: ConnectionSlot;
}

/**
 * Who opens a socket, decided before the upgrade so a refusal is a plain HTTP answer (problem+json):
 * a browser's `Origin` must be the console's own or a configured CORS origin (403); then a single-use
 * ticket (`?ticket=`) or an `Authorization` header (access token or API key), 401 without one that
 * holds; then the user's connections, on every node, must stay within bounds (429). Identity never comes
 * from a frame's payload. The session cookie is not a way in: it is scoped to `/v1/auth`, so a browser
 * never sends it here, and a browser opens its socket with a ticket.
 */
export function createHandshake(deps: HandshakeDeps) {
  const allowsAnyOrigin = deps.corsOrigins.includes('*');

  function requireAllowedOrigin(request: FastifyRequest): void {
    const origin = request.headers.origin;
    // Servers send no Origin: their credentials decide.
    if (origin === undefined || allowsAnyOrigin || deps.corsOrigins.includes(origin)) return;
    if (origin === `${request.protocol}://${request.host}`) return;
    throw new AppError(
      'forbidden',
      `Sockets from the origin '${origin.slice(0, 200)}' are not allowed; add it to CORS_ORIGINS to allow it`,
    );
  }

  async function identify(request: FastifyRequest, ticket: string | undefined): Promise<Identified> {
    if (ticket !== undefined) {
      const redeemed = await deps.tickets.redeem(ticket);
      if (!redeemed) {
        throw new AppError(
          'unauthenticated',
          'The ticket is unknown, expired or already used; get a new one from POST /v1/realtime/tickets right before connecting',
        );
      }
      // The ticket outlives nothing: a sign-out, a disabled user or a deleted key since it was issued
      // refuses it, and the socket acts with the role the user holds now, not the one at issue.
      const current = await deps.auth.currentIdentity(redeemed.credential);
      if (!current) {
        throw new AppError(
          'unauthenticated',
          'The credential this ticket was issued for has ended (signed out, disabled or API key deleted); sign in again and get a new ticket',
        );
      }
      return current;
    }
    if (request.headers.authorization) {
      const identified = await deps.auth.identify(request.headers.authorization);
      if (!identified) {
        throw new AppError(
          'unauthenticated',
          'The access token or API key sent was not accepted (expired, signed out, deleted or not valid); refresh the token or sign in again, or use a current API key',
        );
      }
      return identified;
    }
    throw new AppError(
      'unauthenticated',
      'Open the socket with a ticket from POST /v1/realtime/tickets (?ticket=…) or an Authorization header',
    );
  }

  return async function admit(request: FastifyRequest, ticket: string | undefined): Promise<Admitted> {
    requireAllowedOrigin(request);
    const identified = await identify(request, ticket);
    const slot = await deps.slots.claim(identified.actor.userId);
    if (!slot) {
      throw new AppError(
        'rate_limited',
        `You have ${deps.connectionsPerUser} sockets open already (REALTIME_CONNECTIONS_PER_USER, counted across servers); close one first`,
      );
    }
    return { identified, slot };
  };
}
