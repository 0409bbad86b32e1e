import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createForegroundFirst } from './foreground-first.js';

/** A piece of work that starts when called and ends when the test says. */
function work(name: string, events: string[]) {
  let end!: () => void;
  const ended = new Promise<void>((resolve) => (end = resolve));
  return {
    run: () => {
      events.push(`${name} starts`);
      return ended.then(() => void events.push(`${name} ends`));
    },
    end: () => end(),
  };
}

describe('foreground first', () => {
  const events: string[] = [];
  const order = () => createForegroundFirst({ quietMs: 2, maxWaitMs: 250 });

  beforeEach(() => {
    events.length = 0;
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  });
  afterEach(() => vi.useRealTimers());

  it('starts background work at once when no request is in progress', async () => {
    const job = work('job', events);
    order().background(job.run);
    await vi.advanceTimersByTimeAsync(0);
    expect(events).toEqual(['job starts']);
  });

  it("holds a job's work while a request's statement runs, and starts it once requests have been quiet", async () => {
    const scheduler = order();
    const request = work('request', events);
    const job = work('job', events);
    const answered = scheduler.foreground(request.run);
    scheduler.background(job.run);
    await vi.advanceTimersByTimeAsync(100);
    expect(events).toEqual(['request starts']);

    request.end();
    await answered;
    await vi.advanceTimersByTimeAsync(1);
    expect(events).toEqual(['request starts', 'request ends']);
    await vi.advanceTimersByTimeAsync(2);
    expect(events).toEqual(['request starts', 'request ends', 'job starts']);
  });

  it('lets a request that reads again within the quiet gap go before the waiting job', async () => {
    const scheduler = order();
    const first = work('first read', events);
    const second = work('second read', events);
    const job = work('job', events);
    scheduler.background(job.run);
    await vi.advanceTimersByTimeAsync(0);
    job.end();
    await vi.advanceTimersByTimeAsync(0);
    events.length = 0;

    const nextJob = work('next job', events);
    const firstAnswered = scheduler.foreground(first.run);
    scheduler.background(nextJob.run);
    first.end();
    await firstAnswered;
    await vi.advanceTimersByTimeAsync(1);
    const secondAnswered = scheduler.foreground(second.run);
    second.end();
    await secondAnswered;
    await vi.advanceTimersByTimeAsync(5);
    expect(events).toEqual([
      'first read starts',
      'first read ends',
      'second read starts',
      'second read ends',
      'next job starts',
    ]);
  });

  it('starts a job that has waited the longest allowed even while requests keep the session busy', async () => {
    const scheduler = order();
    const request = work('request', events);
    const job = work('job', events);
    void scheduler.foreground(request.run);
    scheduler.background(job.run);
    await vi.advanceTimersByTimeAsync(249);
    expect(events).toEqual(['request starts']);
    await vi.advanceTimersByTimeAsync(1);
    expect(events).toEqual(['request starts', 'job starts']);
  });

  it("runs jobs' work one at a time, in the order it came", async () => {
    const scheduler = order();
    const first = work('first job', events);
    const second = work('second job', events);
    scheduler.background(first.run);
    scheduler.background(second.run);
    await vi.advanceTimersByTimeAsync(500);
    expect(events).toEqual(['first job starts']);
    first.end();
    await vi.advanceTimersByTimeAsync(0);
    expect(events).toEqual(['first job starts', 'first job ends', 'second job starts']);
  });
});
