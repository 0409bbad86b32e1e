import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ticketHashOf } from '../../src/modules/realtime/realtime-tickets.js';
import { isScaledOut } from '../harness/scaled-out-nodes.js';
import { captureLogs } from '../harness/log-capture.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { openSocket } from './realtime-client.js';

/**
 * A realtime ticket is a credential for 30 s: it never reaches the log in clear, and Redis keeps only
 * its hash, so neither a log reader nor a Redis reader can open a socket with what they see.
 */
describe('realtime tickets at rest and in the log', () => {
  const logs = captureLogs();
  let t: TestApp;
  let user: SignedInUser;
  let address: string;

  beforeAll(async () => {
    t = await buildTestApp({ LOG_LEVEL: 'trace' }, { logDestination: logs.destination });
    user = await registerPlatformAdmin(t.app);
    address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  }, 120_000);
  afterAll(async () => {
    await t.close();
  }, 120_000);

  const issueTicket = async (): Promise<string> => {
    const issued = await t.app.inject({ method: 'POST', url: '/v1/realtime/tickets', headers: user.headers });
    expect(issued.statusCode).toBe(201);
    return issued.json<{ ticket: string }>().ticket;
  };

  it('logs the socket request with its ticket redacted', async () => {
    const ticket = await issueTicket();
    const socket = await openSocket(address, { ticket });
    await socket.close();
    // A used ticket, presented again, is refused: its request is logged too.
    await openSocket(address, { ticket }).catch(() => undefined);
    expect(logs.text()).toContain('/v1/realtime?ticket=[redacted]');
    expect(logs.text()).not.toContain(ticket);
  });

  // The app has Redis when the storage is PostgreSQL with TEST_REDIS_URL (test-app.ts).
  it.runIf(isScaledOut)('keeps a ticket in Redis under its hash, never in clear', async () => {
    const ticket = await issueTicket();
    const redis = new Redis(process.env.TEST_REDIS_URL!);
    try {
      expect(await redis.exists(`parley:realtime:ticket:${ticket}`)).toBe(0);
      const stored = await redis.get(`parley:realtime:ticket:${ticketHashOf(ticket)}`);
      expect(stored).not.toBeNull();
      expect(stored).not.toContain(ticket);
    } finally {
      await redis.quit();
    }
    const socket = await openSocket(address, { ticket });
    await socket.close();
  });
});
