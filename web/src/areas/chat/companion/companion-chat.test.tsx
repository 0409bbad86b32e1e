import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeApi, pageOf, renderArea } from '../../../ui/test-harness';
import type { StoredMessage } from '../chat-api';
import { ChatArea } from '../chat-area';
import { conversation, sseReply, stored } from '../chat-test-support';
import { applyLiveEvent } from '../live-events';
import { toChatMessage } from '../chat-messages';

afterEach(cleanup);

const ids = { conversationId: 'c1', userMessageId: 'u1', assistantMessageId: 'a1' };

function openChat(options: {
  history?: StoredMessage[];
  reply?: Response;
  summaries?: unknown[];
  unreadCount?: number;
}) {
  const api = fakeApi({
    'GET /v1/conversations': () =>
      pageOf([conversation, { ...conversation, id: 'c2', title: 'Parrots', unreadCount: options.unreadCount }]),
    'GET /v1/conversations/c1': () => Response.json(conversation),
    'GET /v1/conversations/c1/messages': () =>
      Response.json({ items: options.history ?? [], olderCursor: null, newerCursor: null }),
    'GET /v1/conversations/c1/summaries': () => Response.json({ items: options.summaries ?? [] }),
    'GET /v1/agents': () => pageOf([{ id: 'agent-1', name: 'Captain', model: 'offline' }]),
    'POST /v1/conversations/c1/messages': () => options.reply ?? Response.json({}, { status: 500 }),
    'POST /v1/conversations/c1/read': (call) =>
      Response.json({
        conversationId: 'c1',
        readThroughMessageId: (call.body as { upToMessageId: string }).upToMessageId,
        readAt: '2026-01-01T10:05:00.000Z',
        markedCount: 1,
      }),
  });
  return { api, rendered: renderArea(<ChatArea />, { fetchImpl: api.fetchImpl, areaPath: '/chat', path: '/chat/c1' }) };
}

const replies = () => screen.queryAllByRole('article', { name: 'Reply' });

describe('companion features in the chat view', () => {
  it('shows a split reply as separate bubbles, with the typing dots between them while they arrive', async () => {
    const stream = sseReply();
    openChat({ reply: stream.response });
    const box = await screen.findByRole<HTMLTextAreaElement>('textbox', { name: 'Message' });
    fireEvent.change(box, { target: { value: 'Hi' } });
    fireEvent.keyDown(box, { key: 'Enter' });

    await stream.send({ type: 'start', messageId: 'a1', messageMetadata: ids });
    await stream.send({ type: 'text-start', id: 'text-1' });
    await stream.send({ type: 'text-delta', id: 'text-1', delta: 'First bubble.' });
    await stream.send({ type: 'text-end', id: 'text-1' });
    await stream.send({ type: 'data-typing', data: { position: 1, pauseMs: 300 } });
    await waitFor(() => expect(replies()).toHaveLength(2));
    expect(replies()[0]!.textContent).toContain('First bubble.');
    expect(replies()[1]!.textContent).toContain('Writing a reply');

    await stream.send({ type: 'data-bubble', id: 'b2', data: { messageId: 'b2', position: 1 } });
    await stream.send({ type: 'text-start', id: 'text-2' });
    await stream.send({ type: 'text-delta', id: 'text-2', delta: 'Second bubble.' });
    await stream.send({ type: 'text-end', id: 'text-2' });
    await waitFor(() =>
      expect(replies().map((reply) => reply.textContent)).toEqual(['First bubble.', 'Second bubble.']),
    );
    await stream.send({
      type: 'finish',
      finishReason: 'stop',
      messageMetadata: { ...ids, status: 'complete', bubbleMessageIds: ['b2'] },
    });
    await stream.end();
    expect(screen.queryByText('Writing a reply')).toBeNull();
  });

  it('shows stored bubbles each as a reply, and marks the latest of them read', async () => {
    const { api } = openChat({
      history: [
        stored({ id: 'u0', role: 'user', content: 'Hello' }),
        stored({ id: 'a0', content: 'One.', replyGroup: { id: 'a0', position: 0 } }),
        stored({ id: 'a0b', content: 'Two.', replyGroup: { id: 'a0', position: 1 } }),
      ],
    });
    await waitFor(() => expect(replies().map((reply) => reply.textContent)).toEqual(['One.', 'Two.']));
    await waitFor(() => expect(api.callsTo('POST', '/v1/conversations/c1/read')).toHaveLength(1));
    expect(api.callsTo('POST', '/v1/conversations/c1/read')[0]?.body).toEqual({ upToMessageId: 'a0b' });
  });

  it('says "Seen" under your last message once the other side read it, and only there', async () => {
    openChat({
      history: [
        stored({ id: 'u0', role: 'user', content: 'Earlier', readAt: '2026-01-01T10:01:00.000Z' }),
        stored({ id: 'a0', content: 'Answer.' }),
        stored({ id: 'u1', role: 'user', content: 'Latest', readAt: '2026-01-01T10:02:00.000Z' }),
      ],
    });
    const seen = await screen.findAllByText('Seen');
    expect(seen).toHaveLength(1);
    expect(seen[0]!.closest('time')?.getAttribute('datetime')).toBe('2026-01-01T10:02:00.000Z');
  });

  it('shows nothing seen while your last message is unread', async () => {
    openChat({ history: [stored({ id: 'u1', role: 'user', content: 'Unread one', readAt: null })] });
    await screen.findByText('Unread one');
    expect(screen.queryByText('Seen')).toBeNull();
  });

  it('shows the latest summary folded away until opened', async () => {
    openChat({
      summaries: [
        {
          id: 's2',
          content: 'User: Alpha ships in May.',
          userTurns: 4,
          lastMessageId: 'x',
          firstMessageId: 'y',
          model: 'offline',
          createdAt: '',
        },
        {
          id: 's1',
          content: 'Older summary',
          userTurns: 2,
          lastMessageId: 'x',
          firstMessageId: 'y',
          model: 'offline',
          createdAt: '',
        },
      ],
    });
    const summary = await screen.findByText('Summary of the conversation (4 turns)');
    const details = summary.closest('details')!;
    expect(details.open).toBe(false);
    expect(details.textContent).toContain('Alpha ships in May.');
    expect(screen.queryByText('Older summary')).toBeNull();
  });

  it('counts unread messages in the sidebar, for conversations not open', async () => {
    openChat({ unreadCount: 3 });
    const sidebar = await screen.findByRole('link', { name: /Parrots/ });
    expect(within(sidebar).getByLabelText('3 unread').textContent).toBe('3');
    expect(within(await screen.findByRole('link', { name: /Pirates/ })).queryByLabelText(/unread/)).toBeNull();
  });

  it('links to what the agent remembers', async () => {
    openChat({});
    expect((await screen.findByRole('link', { name: 'Memories' })).getAttribute('href')).toBe(
      '/agents/agent-1/memories',
    );
  });
});

describe('companion events from the socket', () => {
  const user = toChatMessage(stored({ id: '0190-u1', role: 'user', content: 'Hi' }));
  const later = toChatMessage(stored({ id: '0190-u9', role: 'user', content: 'Later' }));
  const head = { ...toChatMessage(stored({ id: 'a1', content: 'First.', status: 'streaming' })) };

  it('marks your messages up to the one read as seen, when the other side read them', () => {
    const read = {
      type: 'read',
      conversationId: 'c1',
      side: 'others',
      readThroughMessageId: '0190-u1',
      readAt: '2026-01-01T10:00:00Z',
    };
    const [first, second] = applyLiveEvent([user, later], read);
    expect(first!.metadata?.readAt).toBe('2026-01-01T10:00:00Z');
    expect(second!.metadata?.readAt).toBeUndefined();
    // The owner's own reading (another tab) is not "seen".
    expect(applyLiveEvent([user], { ...read, side: 'owner' })[0]!.metadata?.readAt).toBeUndefined();
  });

  it('shows the agent typing after a bubble until the next one arrives as a message of its own', () => {
    const typing = applyLiveEvent([user, head], {
      type: 'bubble-typing',
      conversationId: 'c1',
      messageId: 'a1',
      position: 1,
      pauseMs: 200,
    });
    expect(typing[1]!.parts.at(-1)?.type).toBe('data-typing');
    const bubble = stored({ id: 'a2', content: 'Second.', replyGroup: { id: 'a1', position: 1 } });
    const arrived = applyLiveEvent(typing, { type: 'message-created', conversationId: 'c1', seq: 1, message: bubble });
    expect(arrived.map((message) => message.id)).toEqual(['0190-u1', 'a1', 'a2']);
    expect(arrived[1]!.parts.some((part) => part.type === 'data-typing')).toBe(false);
    // A bubble this tab streamed already (its data-bubble part) is not added twice.
    const streamed = {
      ...head,
      parts: [...head.parts, { type: 'data-bubble' as const, id: 'a2', data: { messageId: 'a2', position: 1 } }],
    };
    expect(
      applyLiveEvent([streamed], { type: 'message-created', conversationId: 'c1', seq: 2, message: bubble }),
    ).toHaveLength(1);
    // Nor does the stored first bubble, arriving after the stream, take the streamed bubbles away.
    const [settled] = applyLiveEvent([streamed], {
      type: 'finished',
      conversationId: 'c1',
      seq: 3,
      messageId: 'a1',
      message: stored({ id: 'a1', content: 'First.', status: 'complete', replyGroup: { id: 'a1', position: 0 } }),
    });
    expect(settled!.parts.some((part) => part.type === 'data-bubble')).toBe(true);
    expect(settled!.metadata?.status).toBe('complete');
  });
});
