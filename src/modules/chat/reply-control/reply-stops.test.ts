import { describe, expect, it } from 'vitest';
import { createLocalInvalidationBus, everyKey } from '../../../platform/cache/invalidation-bus.js';
import { createReplyStops } from './reply-stops.js';

describe('reply stops', () => {
  it('stops only the reply named, or every reply of a deleted conversation', () => {
    const stops = createReplyStops(createLocalInvalidationBus());
    const first = stops.track('c1', 'm1', 'u1');
    const second = stops.track('c1', 'm2', 'u1');
    const elsewhere = stops.track('c2', 'm3', 'u1');

    stops.stopReply('c1', 'm1');
    expect([first.signal.aborted, second.signal.aborted, elsewhere.signal.aborted]).toEqual([true, false, false]);
    stops.stopConversation('c1');
    expect([second.signal.aborted, elsewhere.signal.aborted]).toEqual([true, false]);
  });

  it("stops every reply of a user's conversations, and only theirs", () => {
    const stops = createReplyStops(createLocalInvalidationBus());
    const theirs = [stops.track('c1', 'm1', 'u1'), stops.track('c2', 'm2', 'u1')];
    const someoneElses = stops.track('c3', 'm3', 'u2');

    stops.stopOwner('u1');
    expect(theirs.map((run) => run.signal.aborted)).toEqual([true, true]);
    expect(someoneElses.signal.aborted).toBe(false);
  });

  it('holds a stop that arrives before its reply is registered here (the stop raced the send)', () => {
    const stops = createReplyStops(createLocalInvalidationBus());
    stops.stopReply('c1', 'm1');
    expect(stops.track('c1', 'm1', 'u1').signal.aborted).toBe(true);
    expect(stops.track('c1', 'm2', 'u1').signal.aborted).toBe(false);
  });

  it('forgets a held stop when the reply is written again (a retry keeps its message id)', () => {
    const stops = createReplyStops(createLocalInvalidationBus());
    stops.stopReply('c1', 'm1');
    stops.forgetHeldStop('m1');
    expect(stops.track('c1', 'm1', 'u1').signal.aborted).toBe(false);
  });

  it("ignores the bus's 'forget everything' after a lost connection: that is no stop", () => {
    const bus = createLocalInvalidationBus();
    const stops = createReplyStops(bus);
    const run = stops.track('c1', 'm1', 'u1');
    bus.publish('reply-stops', everyKey);
    expect(run.signal.aborted).toBe(false);
  });

  it('tells a waiting stop when the reply is stored, and forgets it then', async () => {
    const stops = createReplyStops(createLocalInvalidationBus());
    const run = stops.track('c1', 'm1', 'u1');
    const stored = stops.whenStored('m1');
    run.done();
    await expect(stored).resolves.toBeUndefined();
    expect(stops.whenStored('m1')).toBeUndefined();
  });

  it('hands out each draft once after it grows, whole, and forgets it with its reply', () => {
    const stops = createReplyStops(createLocalInvalidationBus());
    const run = stops.track('c1', 'm1', 'u1');
    const continued = stops.track('c1', 'm2', 'u1', { text: 'Before the tool. ', reasoning: '' });
    expect(stops.takeUnsavedDrafts()).toEqual([]);

    run.addToDraft('text', 'Hel');
    run.addToDraft('reasoning', 'Thinking');
    run.addToDraft('text', 'lo');
    continued.addToDraft('text', 'After it.');
    expect(stops.takeUnsavedDrafts()).toEqual([
      { messageId: 'm1', text: 'Hello', reasoning: 'Thinking' },
      { messageId: 'm2', text: 'Before the tool. After it.', reasoning: '' },
    ]);
    expect(stops.takeUnsavedDrafts()).toEqual([]);

    run.addToDraft('text', '!');
    run.done();
    expect(stops.takeUnsavedDrafts()).toEqual([]);
  });
});
