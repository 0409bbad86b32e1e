import { describe, expect, it } from 'vitest';
import { createLoginThrottle } from './login-throttle.js';

describe('in-process login throttle', () => {
  const windowMs = 15 * 60_000;

  it('refuses a key that used its failures until its window ends, with the wait', async () => {
    let time = 0;
    const throttle = createLoginThrottle({ maxFailures: 2, windowMs, now: () => time });
    await throttle.recordFailure(['account:a']);
    await expect(throttle.assertAllowed(['account:a'])).resolves.toBeUndefined();
    time = 60_000;
    await throttle.recordFailure(['account:a']);
    await expect(throttle.assertAllowed(['address:x', 'account:a'])).rejects.toMatchObject({
      code: 'rate_limited',
      details: { retryAfterSeconds: 14 * 60 },
    });
    time = windowMs;
    await expect(throttle.assertAllowed(['account:a'])).resolves.toBeUndefined();
  });

  it('forgets the oldest windows first when it holds too many, keeping the newer counts', async () => {
    let time = 0;
    const throttle = createLoginThrottle({ maxFailures: 1, windowMs, now: () => time, maxEntries: 3 });
    for (const key of ['address:1', 'account:target', 'address:2']) {
      time += 1_000;
      await throttle.recordFailure([key]);
    }
    // A spray of new keys pushes out the oldest windows, one for one, not every count at once.
    time += 1_000;
    await throttle.recordFailure(['address:3']);
    await expect(throttle.assertAllowed(['address:1'])).resolves.toBeUndefined();
    await expect(throttle.assertAllowed(['account:target'])).rejects.toMatchObject({ code: 'rate_limited' });
    await expect(throttle.assertAllowed(['address:2'])).rejects.toMatchObject({ code: 'rate_limited' });
  });
});
