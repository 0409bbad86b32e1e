import { act } from '@testing-library/react';
import type { Conversation, StoredMessage } from './chat-api';

/** Screen-test fixtures of the chat area: a conversation, stored messages, and a streamed reply. */
export const conversation: Conversation = {
  id: 'c1',
  ownerId: 'u-self',
  agentId: 'agent-1',
  projectId: null,
  title: 'Pirates',
  messageCount: 0,
  archived: false,
  archivedAt: null,
  lastActivityAt: '2026-01-01T10:00:00.000Z',
  createdAt: '2026-01-01T10:00:00.000Z',
  updatedAt: '2026-01-01T10:00:00.000Z',
};

export const stored = (overrides: Partial<StoredMessage>): StoredMessage => ({
  id: 'm',
  conversationId: 'c1',
  role: 'assistant',
  content: '',
  reasoning: null,
  status: 'complete',
  error: null,
  model: null,
  usage: null,
  timeToFirstTokenMs: null,
  durationMs: null,
  finishReason: null,
  createdAt: '2026-01-01T10:00:00.000Z',
  completedAt: null,
  seq: 1,
  ...overrides,
});

/**
 * A UI message stream response, written part by part the way the server's sse-writer does
 * (`data: <json>\n\n`, ending with `data: [DONE]`), so a test can look between the parts.
 */
export function sseReply() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({
    start(streamController) {
      controller = streamController;
    },
  });
  const encoder = new TextEncoder();
  let isOpen = true;
  // Like the server's SSE writer: once the client has stopped reading (it does after an error part), writes do nothing.
  const write = (data: string) => {
    if (!isOpen) return;
    try {
      controller.enqueue(encoder.encode(`data: ${data}\n\n`));
    } catch {
      isOpen = false;
    }
  };
  return {
    response: new Response(body, {
      headers: { 'content-type': 'text/event-stream', 'x-vercel-ai-ui-message-stream': 'v1' },
    }),
    send: async (part: object) => {
      await act(async () => {
        write(JSON.stringify(part));
        await new Promise((resolve) => setTimeout(resolve, 10));
      });
    },
    /** The connection drops: the body errors the way fetch does when the network goes away. */
    drop: async () => {
      await act(async () => {
        controller.error(new TypeError('network error'));
        await new Promise((resolve) => setTimeout(resolve, 10));
      });
    },
    /** The stream ends cleanly without its finish, as a balancer ends one whose server died. */
    cut: async () => {
      await act(async () => {
        if (isOpen) controller.close();
        await new Promise((resolve) => setTimeout(resolve, 10));
      });
    },
    end: async () => {
      await act(async () => {
        write('[DONE]');
        if (isOpen) controller.close();
        await new Promise((resolve) => setTimeout(resolve, 10));
      });
    },
  };
}
