import { describe, expect, it } from 'vitest';
import type { MessageView } from '../../conversations/index.js';
import type { EventRelay, RealtimeEvent } from '../../realtime/event-relay.js';
import { sseIdOf } from '../../realtime/reply-stream.js';
import { createTurnPublisher } from '../../realtime/turn-publisher.js';
import { createTurnChannel, type ChatTurnEvent, type ChatTurnHandle } from '../turn/chat-events.js';
import { createReplyStreamPositions } from './ui-message-stream.js';

const message = (overrides: Partial<MessageView>): MessageView =>
  ({
    id: 'a',
    conversationId: 'c',
    role: 'assistant',
    content: '',
    status: 'complete',
    seq: 0,
    ...overrides,
  }) as MessageView;

const events: ChatTurnEvent[] = [
  {
    type: 'message-started',
    conversationId: 'c',
    userMessage: message({ id: 'u', role: 'user', seq: 6 }),
    assistantMessageId: 'a',
    replySeq: 7,
    model: 'offline',
  },
  { type: 'sources', citations: [] },
  { type: 'reasoning-delta', delta: 'Think.' },
  { type: 'text-delta', delta: 'Hello' },
  { type: 'tool-call', toolCallId: 't1', toolName: 'clock', input: {} },
  { type: 'tool-result', toolCallId: 't1', output: 'noon' },
  { type: 'text-delta', delta: ' there' },
  { type: 'bubble-typing', position: 1, pauseMs: 100 },
  { type: 'bubble', position: 1, message: message({ id: 'b', seq: 8, content: 'Bye' }) },
  { type: 'finished', assistantMessage: message({ seq: 9, content: 'Hello there' }) },
];

describe("the UI message stream's event ids", () => {
  it("are the realtime frames' ids for the same turn, so Last-Event-ID resumes it through …/stream", () => {
    const frames: RealtimeEvent[] = [];
    const relay = { publish: (event: RealtimeEvent) => void frames.push(event) } as unknown as EventRelay;
    const channel = createTurnChannel();
    const handle = { conversationId: 'c', assistantMessageId: 'a', subscribe: channel.subscribe } as ChatTurnHandle;
    createTurnPublisher({ relay }).publishTurn({ tenantId: 't', ownerId: 'o', handle });
    for (const event of events) channel.emit(event);

    const ofReply = frames.filter((event) => event.channel === 'conversation' && event.replyId === 'a');
    const positionOf = createReplyStreamPositions();
    expect(events.map(positionOf)).toEqual(ofReply.map((event) => sseIdOf(event.frame)));
    expect(events.map(createReplyStreamPositions())).toEqual([
      '7.0',
      '7.1',
      '7.2',
      '7.3',
      '7.4',
      '7.5',
      '7.6',
      '7.7',
      '8',
      '9',
    ]);
  });
});
