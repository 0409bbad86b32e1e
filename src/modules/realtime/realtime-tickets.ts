import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Identified } from '../auth/index.js';

/**
 * Single-use, short-lived tickets for opening a socket from a browser or widget, which cannot set an
 * `Authorization` header on a WebSocket: the long-lived credential never goes into a URL (URLs end up
 * in logs). A ticket names the credential it was issued for, which the socket then keeps checking.
 * With Redis, any node redeems a ticket another node issued (GETDEL makes the single use atomic).
 */
export interface RealtimeTickets {
  issue(identified: Identified): Promise<{ ticket: string; expiresAt: Date }>;
  /** The identity a ticket was issued for, once; undefined when unknown, used or expired. */
  redeem(ticket: string): Promise<Identified | undefined>;
}

const ticketPrefix = 'rtt_';
const redisKey = (ticket: string) => `parley:realtime:ticket:${ticket}`;
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
      tickets.set(ticket, { identified, expiresAtMs });
      return { ticket, expiresAt: new Date(expiresAtMs) };
    },
    async redeem(ticket) {
      const entry = tickets.get(ticket);
      tickets.delete(ticket);
      return entry && entry.expiresAtMs > Date.now() ? entry.identified : undefined;
    },
  };
}
