import { afterEach, describe, expect, it, vi } from 'vitest';
import { SupersededError, throttleProgress, watchGeneration } from './generation-watch.js';

describe('watchGeneration', () => {
  afterEach(() => vi.useRealTimers());

  it('aborts with SupersededError once the document is no longer current, and polls no more after stop', async () => {
    vi.useFakeTimers();
    let isCurrent = true;
    let polls = 0;
    const watch = watchGeneration(async () => {
      polls += 1;
      return isCurrent;
    }, 1000);
    await vi.advanceTimersByTimeAsync(2000);
    expect(watch.signal.aborted).toBe(false);
    isCurrent = false;
    await vi.advanceTimersByTimeAsync(1000);
    expect(watch.signal.aborted).toBe(true);
    expect(watch.signal.reason).toBeInstanceOf(SupersededError);
    watch.stop();
    const pollsAtStop = polls;
    await vi.advanceTimersByTimeAsync(5000);
    expect(polls).toBe(pollsAtStop);
  });

  it('ignores a failed poll: a database hiccup does not cancel the job', async () => {
    vi.useFakeTimers();
    const watch = watchGeneration(() => Promise.reject(new Error('connection reset')), 1000);
    await vi.advanceTimersByTimeAsync(3000);
    expect(watch.signal.aborted).toBe(false);
    watch.stop();
  });
});

describe('throttleProgress', () => {
  it('writes at most once per interval, skips repeats, and reports a write that matched no row', async () => {
    let now = 0;
    vi.spyOn(Date, 'now').mockImplementation(() => now);
    const written: number[] = [];
    let superseded = 0;
    let matches = true;
    const report = throttleProgress(
      async (progress) => {
        written.push(progress);
        return matches;
      },
      () => (superseded += 1),
      500,
    );
    now = 1000;
    await report(30.4);
    now = 1200;
    await report(45); // within the interval
    now = 1600;
    await report(45.2); // same rounded value as nothing written yet for 45 → written
    now = 2200;
    await report(45); // repeat of the last written value
    matches = false;
    now = 2800;
    await report(90);
    expect(written).toEqual([30, 45, 90]);
    expect(superseded).toBe(1);
    vi.restoreAllMocks();
  });
});
