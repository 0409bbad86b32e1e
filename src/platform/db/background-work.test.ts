import { describe, expect, it } from 'vitest';
import { isBackgroundWork, markBackgroundWork, runAsBackgroundWork } from './background-work.js';

describe('background work marks', () => {
  it('are not kept until embedded storage asks for them (no AsyncLocalStorage on PostgreSQL), then are', async () => {
    expect(await runAsBackgroundWork(async () => isBackgroundWork())).toBe(false);
    markBackgroundWork();
    expect(await runAsBackgroundWork(async () => isBackgroundWork())).toBe(true);
    expect(isBackgroundWork()).toBe(false);
  });
});
