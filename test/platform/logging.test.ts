import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { register, testPassword, uniqueEmail } from '../harness/actors.js';
import { buildTestApp } from '../harness/test-app.js';

describe('structured logs', () => {
  it('log JSON lines with request id, tenant and user, and never a password or token', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    const t = await buildTestApp({ LOG_LEVEL: 'trace', SIGNUP_MODE: 'open' }, { logDestination: destination });
    try {
      const session = await register(t.app, uniqueEmail('logs'));
      await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: session.headers });
      await t.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken: session.refreshToken } });
      // A client that puts its token in the URL (Parley reads none there) still keeps it out of the log.
      await t.app.inject({ method: 'GET', url: `/v1/auth/me?access_token=${session.accessToken}&page=2` });

      const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      const meCompleted = entries.find((entry) => entry.msg === 'request completed' && entry.userId === session.userId);
      expect(meCompleted).toMatchObject({ tenantId: session.tenantId, reqId: expect.any(String) });
      expect(entries).toContainEqual(
        expect.objectContaining({
          req: expect.objectContaining({ url: '/v1/auth/me?access_token=[redacted]&page=2' }),
        }),
      );
      const everything = lines.join('\n');
      expect(everything).not.toContain(testPassword);
      expect(everything).not.toContain(session.accessToken);
      expect(everything).not.toContain(session.refreshToken);
    } finally {
      await t.close();
    }
  });
});
