import { describe, expect, it } from 'vitest';
import { createLoginThrottle } from './login-throttle.js';

describe('in-process login throttle', () => {
  const windowMs = 15 * 60_000;

  it('refuses a key past its failures until its window ends, with the wait', async () => {
    let time = 0;
    const throttle = createLoginThrottle({ maxFailures: 2, windowMs, now: () => time });
    await expect(throttle.countAttempt(['account:a'])).resolves.toBeUndefined();
    time = 60_000;
    await expect(throttle.countAttempt(['account:a'])).resolves.toBeUndefined();
    await expect(throttle.countAttempt(['address:x', 'account:a'])).rejects.toMatchObject({
      code: 'rate_limited',
      details: { retryAfterSeconds: 14 * 60 },
    });
    time = windowMs;
    await expect(throttle.countAttempt(['account:a'])).resolves.toBeUndefined();
  });

  it('refuses attempts made at the same moment past the limit, though none has failed yet', async () => {
    const throttle = createLoginThrottle({ maxFailures: 3, windowMs });
    const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => throttle.countAttempt(['account:a'])));
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(3);
  });

  it('takes a successful attempt back: it was no failure', async () => {
    const throttle = createLoginThrottle({ maxFailures: 2, windowMs });
    await throttle.countAttempt(['address:office']);
    await throttle.countAttempt(['address:office']);
    await throttle.forgive(['address:office']);
    await expect(throttle.countAttempt(['address:office'])).resolves.toBeUndefined();
    await expect(throttle.countAttempt(['address:office'])).rejects.toMatchObject({ code: 'rate_limited' });
  });

  it('forgets the oldest windows first when it holds too many, keeping the newer counts', async () => {
    let time = 0;
    const throttle = createLoginThrottle({ maxFailures: 1, windowMs, now: () => time, maxEntries: 3 });
    for (const key of ['address:1', 'account:target', 'address:2']) {
      time += 1_000;
      await throttle.countAttempt([key]);
    }
    // A spray of new keys pushes out the oldest windows, one for one, not every count at once.
    time += 1_000;
    await throttle.countAttempt(['address:3']);
    await expect(throttle.countAttempt(['account:target'])).rejects.toMatchObject({ code: 'rate_limited' });
    await expect(throttle.countAttempt(['address:2'])).rejects.toMatchObject({ code: 'rate_limited' });
    await expect(throttle.countAttempt(['address:1'])).resolves.toBeUndefined();
  });
});
