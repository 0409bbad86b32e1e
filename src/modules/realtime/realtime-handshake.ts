import type { FastifyRequest } from 'fastify';
import { AppError } from '../../platform/errors.js';
import { refreshCookieName } from '../auth/session-cookie.js';
import type { AuthService, Identified } from '../auth/index.js';
import type { RealtimeHub } from './realtime-hub.js';
import type { RealtimeTickets } from './realtime-tickets.js';

export interface HandshakeDeps {
  readonly auth: Pick<AuthService, 'identify' | 'identifyRefreshToken' | 'currentIdentity'>;
  readonly tickets: RealtimeTickets;
  readonly hub: RealtimeHub;
  readonly corsOrigins: readonly string[];
  readonly connectionsPerUser: number;
}

/**
 * Who opens a socket, decided before the upgrade so a refusal is a plain HTTP answer (problem+json):
 * a browser's `Origin` must be the console's own or a configured CORS origin (403); then a single-use
 * ticket (`?ticket=`), an `Authorization` header (access token or API key) or the session cookie
 * (401 without one that holds); then the user's connections on this node must stay within bounds (429).
 * Identity never comes from a frame's payload.
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
    const cookie = request.cookies[refreshCookieName];
    const identified = cookie ? await deps.auth.identifyRefreshToken(cookie) : null;
    if (identified) return identified;
    throw new AppError(
      'unauthenticated',
      'Open the socket with a ticket from POST /v1/realtime/tickets (?ticket=…), an Authorization header, or a session cookie',
    );
  }

  return async function admit(request: FastifyRequest, ticket: string | undefined): Promise<Identified> {
    requireAllowedOrigin(request);
    const identified = await identify(request, ticket);
    if (deps.hub.connectionCountOf(identified.actor.userId) >= deps.connectionsPerUser) {
      throw new AppError(
        'rate_limited',
        `You have ${deps.connectionsPerUser} sockets open on this server already (REALTIME_CONNECTIONS_PER_USER); close one first`,
      );
    }
    return identified;
  };
}
