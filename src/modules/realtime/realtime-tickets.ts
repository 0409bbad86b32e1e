import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Identified } from '../auth/index.js';

/**
 * Single-use, short-lived tickets for opening a socket from a browser or widget, which cannot set an
 * `Authorization` header on a WebSocket: the long-lived credential never goes into a URL (URLs end up
 * in logs). A ticket names the credential it was issued for, which the socket then keeps checking.
 * With Redis, any node redeems a ticket another node issued (GETDEL makes the single use atomic).
 * A ticket is kept under its SHA-256 only, as API keys and refresh tokens are: whoever reads Redis (or
 * this process's memory) cannot open a socket with what they find there.
 */
export interface RealtimeTickets {
  issue(identified: Identified): Promise<{ ticket: string; expiresAt: Date }>;
  /** The identity a ticket was issued for, once; undefined when unknown, used or expired. */
  redeem(ticket: string): Promise<Identified | undefined>;
}

const ticketPrefix = 'rtt_';
/** A ticket is 24 random bytes: a plain SHA-256 suffices, as for every opaque token (no guessing to slow). */
export const ticketHashOf = (ticket: string): string => createHash('sha256').update(ticket).digest('base64url');
const redisKey = (ticket: string) => `parley:realtime:ticket:${ticketHashOf(ticket)}`;
const newTicket = () => ticketPrefix + randomBytes(24).toString('base64url');
export const isTicketShaped = (value: string): boolean => /^rtt_[\w-]{32}$/.test(value);

export function createRealtimeTickets(options: { readonly ttlMs: number; readonly redis?: Redis }): RealtimeTickets {
  const { ttlMs, redis } = options;
  if (redis) {
    return {
      async issue(identified) {
        const ticket = newTicket();
        await redis.set(redisKey(ticket), JSON.stringify(identified), 'PX', ttlMs);
        return { ticket, expiresAt: new Date(Date.now() + ttlMs) };
      },
      async redeem(ticket) {
        if (!isTicketShaped(ticket)) return undefined;
        const stored = await redis.getdel(redisKey(ticket));
        return stored ? (JSON.parse(stored) as Identified) : undefined;
      },
    };
  }
  const tickets = new Map<string, { identified: Identified; expiresAtMs: number }>();
  const forgetExpired = () => {
    const now = Date.now();
    for (const [ticket, entry] of tickets) if (entry.expiresAtMs <= now) tickets.delete(ticket);
  };
  return {
    async issue(identified) {
      forgetExpired();
      const ticket = newTicket();
      const expiresAtMs = Date.now() + ttlMs;
      tickets.set(ticketHashOf(ticket), { identified, expiresAtMs });
      return { ticket, expiresAt: new Date(expiresAtMs) };
    },
    async redeem(ticket) {
      const hash = ticketHashOf(ticket);
      const entry = tickets.get(hash);
      tickets.delete(hash);
      return entry && entry.expiresAtMs > Date.now() ? entry.identified : undefined;
    },
  };
}
