import { DrizzleQueryError } from 'drizzle-orm/errors';
import { describe, expect, it } from 'vitest';
import { captureLogs } from '../harness/log-capture.js';
import { createLogger, withoutCredentialParameters } from '../../src/platform/logger.js';

describe('the logger', () => {
  it("logs a failed statement's text and error, never the values it carried", () => {
    const logs = captureLogs();
    const logger = createLogger({ level: 'info', destination: logs.destination });
    const cause = Object.assign(new Error('duplicate key value violates unique constraint "users_email_key"'), {
      code: '23505',
    });
    const failed = new DrizzleQueryError(
      'insert into "users" ("email", "password_hash") values ($1, $2)',
      ['someone@example.test', 'scrypt$16384$8$1$c2VjcmV0'],
      cause,
    );

    logger.error({ err: failed }, 'request failed');

    const text = logs.text();
    expect(text).not.toContain('someone@example.test');
    expect(text).not.toContain('scrypt$16384');
    const [entry] = logs.entries();
    expect(entry?.err).toMatchObject({
      query: 'insert into "users" ("email", "password_hash") values ($1, $2)',
      message: expect.stringContaining('params: [redacted]'),
    });
    expect(JSON.stringify(entry?.err)).toContain('users_email_key');
  });

  it('logs an err that is a message, or no error at all, as it is (no values in the message)', () => {
    const logs = captureLogs();
    const logger = createLogger({ level: 'info', destination: logs.destination });
    logger.warn({ err: 'connect ECONNREFUSED 127.0.0.1:6379' }, 'redis connection error');
    logger.warn({ err: 'Failed query: select $1\nparams: hidden-value' }, 'a message quoting a statement');
    logger.warn({ err: { code: 'E1' } }, 'an object');
    expect(logs.entries().map((entry) => entry.err)).toEqual([
      'connect ECONNREFUSED 127.0.0.1:6379',
      'Failed query: select $1\nparams: [redacted]',
      { code: 'E1' },
    ]);
  });
});

describe('request URLs in the logs', () => {
  it('blank out credential-like query values and keep the rest', () => {
    expect(withoutCredentialParameters('/v1/agents?access_token=QS-Secret&limit=20&api%5Fkey=k&x')).toBe(
      '/v1/agents?access_token=[redacted]&limit=20&api%5Fkey=[redacted]&x',
    );
    expect(withoutCredentialParameters('/v1/agents')).toBe('/v1/agents');
    expect(withoutCredentialParameters('/x?%E0%A4%A=1&token=t')).toBe('/x?%E0%A4%A=1&token=[redacted]');
  });

  it('log a `req` that is no request as it is, instead of failing the line', () => {
    const logs = captureLogs();
    const logger = createLogger({ level: 'info', destination: logs.destination });
    logger.info({ req: { id: 7 } }, 'something else called req');
    expect(logs.entries()[0]?.req).toEqual({ id: 7 });
  });
});
