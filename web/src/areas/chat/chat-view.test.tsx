import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeApi, pageOf, problem } from '../../ui/test-harness';
import { renderArea } from '../../ui/test-harness';
import type { StoredMessage } from './chat-api';
import { ChatArea } from './chat-area';
import { conversation, sseReply, stored } from './chat-test-support';

afterEach(cleanup);

const ids = { conversationId: 'c1', userMessageId: 'u1', assistantMessageId: 'a1' };
const started = { type: 'start', messageId: 'a1', messageMetadata: { ...ids, model: 'openai:gpt-4o-mini' } };

function setUp(options: {
  history?: StoredMessage[] | (() => StoredMessage[]);
  replies: Response[];
  /** Answers POST …/messages/:messageId/stop; without it the fake has no such route (404). */
  stop?: () => Response;
  /** Answers GET …/messages/:messageId/stream (a cut reply followed); without it, 404. */
  followed?: () => Response;
}) {
  const replies = [...options.replies];
  const history = () => (typeof options.history === 'function' ? options.history() : (options.history ?? []));
  const api = fakeApi({
    'GET /v1/conversations': () => pageOf([conversation]),
    'GET /v1/conversations/c1': () => Response.json(conversation),
    'GET /v1/conversations/c1/messages': () =>
      Response.json({ items: history(), olderCursor: null, newerCursor: null }),
    'GET /v1/agents': () => pageOf([{ id: 'agent-1', name: 'Captain', model: 'openai:gpt-4o-mini' }]),
    'POST /v1/conversations/c1/messages': () => replies.shift() ?? problem(500, 'internal', 'No reply queued'),
    'POST /v1/conversations/c1/messages/:messageId/retry': () =>
      replies.shift() ?? problem(500, 'internal', 'No reply queued'),
    ...(options.stop && { 'POST /v1/conversations/c1/messages/:messageId/stop': options.stop }),
    ...(options.followed && { 'GET /v1/conversations/c1/messages/:messageId/stream': options.followed }),
  });
  const acceptHeaders: (string | null)[] = [];
  const fetchImpl = ((input: RequestInfo | URL, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : input.toString();
    if (init?.method === 'POST' && url.includes('/messages'))
      acceptHeaders.push(new Headers(init.headers).get('accept'));
    return api.fetchImpl(input, init);
  }) as typeof fetch;
  return { api, acceptHeaders, fetchImpl };
}

async function openConversation(fetchImpl: typeof fetch) {
  await renderArea(<ChatArea />, { fetchImpl, areaPath: '/chat', path: '/chat/c1' });
  return screen.findByRole<HTMLTextAreaElement>('textbox', { name: 'Message' });
}

function typeAndPressEnter(box: HTMLTextAreaElement, text: string) {
  fireEvent.change(box, { target: { value: text } });
  fireEvent.keyDown(box, { key: 'Enter' });
}

/** Sends a message, lets the reply begin ("Blah blah"), then presses Stop. */
async function pressStopMidReply(box: HTMLTextAreaElement, stream: ReturnType<typeof sseReply>) {
  typeAndPressEnter(box, 'Talk a lot');
  await stream.send(started);
  await stream.send({ type: 'text-start', id: 't1' });
  await stream.send({ type: 'text-delta', id: 't1', delta: 'Blah blah' });
  await act(async () => {
    fireEvent.click(screen.getByRole('button', { name: 'Stop' }));
    await new Promise((resolve) => setTimeout(resolve, 10));
  });
}

const replies = () => screen.queryAllByRole('article', { name: 'Reply' });
const lastReply = () => replies().at(-1)!;

describe('chat view', () => {
  it('sends only the new message and renders the streamed reply as it arrives, then its figures', async () => {
    const stream = sseReply();
    const { api, acceptHeaders, fetchImpl } = setUp({ replies: [stream.response] });
    const box = await openConversation(fetchImpl);

    typeAndPressEnter(box, 'Ahoy there');

    await screen.findByText('Ahoy there');
    expect(api.callsTo('POST', '/v1/conversations/c1/messages').map((call) => call.body)).toEqual([
      { content: 'Ahoy there' },
    ]);
    expect(acceptHeaders).toEqual(['text/event-stream']);
    expect(screen.getByRole('button', { name: 'Stop' })).toBeTruthy();

    await stream.send(started);
    await stream.send({ type: 'start-step' });
    await stream.send({ type: 'reasoning-start', id: 'r1' });
    await stream.send({ type: 'reasoning-delta', id: 'r1', delta: 'Think like a pirate.' });
    await stream.send({ type: 'reasoning-end', id: 'r1' });
    await stream.send({ type: 'text-start', id: 't1' });
    await stream.send({ type: 'text-delta', id: 't1', delta: 'Arr, ' });
    await waitFor(() => expect(lastReply().textContent).toContain('Arr,'));
    expect(lastReply().textContent).not.toContain('matey');

    await stream.send({ type: 'text-delta', id: 't1', delta: 'matey' });
    await waitFor(() => expect(lastReply().textContent).toContain('Arr, matey'));
    expect(lastReply().textContent).not.toContain('!');

    await stream.send({ type: 'text-delta', id: 't1', delta: '! **Welcome** aboard.' });
    await stream.send({ type: 'text-end', id: 't1' });
    await stream.send({ type: 'finish-step' });
    await stream.send({
      type: 'finish',
      finishReason: 'stop',
      messageMetadata: {
        ...ids,
        model: 'openai:gpt-4o-mini',
        status: 'complete',
        usage: { inputTokens: 12, outputTokens: 7, reasoningTokens: null, totalTokens: 19 },
        timeToFirstTokenMs: 42,
        durationMs: 310,
        error: null,
      },
    });
    await stream.end();

    const reply = lastReply();
    // The first reply of the run also waits for the markdown chunk to load (slow on a busy machine).
    await waitFor(() => expect(reply.querySelector('strong')?.textContent).toBe('Welcome'), { timeout: 5000 });
    expect(reply.textContent).toContain('Arr, matey! Welcome aboard.');
    expect(reply.textContent).toContain('openai:gpt-4o-mini · 12 in / 7 out tokens · first token 42 ms · total 310 ms');
    const reasoning = reply.querySelector('details');
    expect(reasoning?.querySelector('summary')?.textContent).toBe('Reasoning');
    expect(reasoning?.hasAttribute('open')).toBe(false);
    expect(reasoning?.textContent).toContain('Think like a pirate.');
    await screen.findByRole('button', { name: 'Send' });
    expect(screen.queryByRole('button', { name: 'Stop' })).toBeNull();
  });

  it("shows the server's sentence and a Retry button when the stream ends in an error, and retries that reply", async () => {
    const failing = sseReply();
    const retried = sseReply();
    const { api, fetchImpl } = setUp({ replies: [failing.response, retried.response] });
    const box = await openConversation(fetchImpl);
    typeAndPressEnter(box, 'Will this work?');

    await failing.send(started);
    await failing.send({ type: 'text-start', id: 't1' });
    await failing.send({ type: 'text-delta', id: 't1', delta: 'Part' });
    await failing.send({ type: 'text-end', id: 't1' });
    await failing.send({ type: 'error', errorText: "The model provider 'openai' had an internal error (500)" });
    await failing.send({ type: 'finish', finishReason: 'error', messageMetadata: { ...ids, status: 'error' } });
    await failing.end();

    const alert = await within(lastReply()).findByRole('alert');
    expect(alert.textContent).toContain("The model provider 'openai' had an internal error (500)");
    expect(alert.textContent).not.toMatch(/something went wrong/i);
    fireEvent.click(within(alert).getByRole('button', { name: 'Retry' }));

    await waitFor(() => expect(api.callsTo('POST', '/v1/conversations/c1/messages/a1/retry')).toHaveLength(1));
    expect(api.callsTo('POST', '/v1/conversations/c1/messages')).toHaveLength(1);
    await retried.send(started);
    await retried.send({ type: 'text-start', id: 't1' });
    await retried.send({ type: 'text-delta', id: 't1', delta: 'Second time lucky.' });
    await retried.send({ type: 'text-end', id: 't1' });
    await retried.send({ type: 'finish', finishReason: 'stop', messageMetadata: { ...ids, status: 'complete' } });
    await retried.end();

    await waitFor(() => expect(lastReply().textContent).toContain('Second time lucky.'));
    expect(replies()).toHaveLength(1);
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.getAllByRole('article', { name: 'You said' })).toHaveLength(1);
  });

  it('offers Retry for a failed reply from the history, only on the latest one', async () => {
    const history = [
      stored({ id: 'u0', role: 'user', content: 'First' }),
      stored({ id: 'a0', status: 'error', error: { code: 'model_timeout', message: 'The model took too long' } }),
      stored({ id: 'u1', role: 'user', content: 'Second' }),
      stored({ id: 'a1', status: 'error', error: { code: 'rate_limited', message: 'Too many requests; wait 7 s' } }),
    ];
    const { fetchImpl } = setUp({ history, replies: [] });
    await openConversation(fetchImpl);

    const alerts = await screen.findAllByRole('alert');
    expect(alerts.map((alert) => alert.textContent)).toEqual([
      'The model took too long',
      'Too many requests; wait 7 sRetry',
    ]);
  });

  it('says when a reply from the history is still being written, with a way to reload it', async () => {
    const history = [
      stored({ id: 'u0', role: 'user', content: 'Still there?' }),
      stored({ id: 'a0', status: 'streaming', content: 'Half a' }),
    ];
    const { fetchImpl } = setUp({ history, replies: [] });
    await openConversation(fetchImpl);

    await waitFor(() => expect(lastReply().textContent).toContain('This reply was still being written'));
    expect(within(lastReply()).getByRole('button', { name: 'Reload conversation' })).toBeTruthy();
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('marks a stopped reply from the history as stopped: ended, never shown as being written', async () => {
    const history = [
      stored({ id: 'u0', role: 'user', content: 'Tell me everything' }),
      stored({ id: 'a0', status: 'stopped', finishReason: 'stopped', content: 'Well, first' }),
    ];
    const { fetchImpl } = setUp({ history, replies: [] });
    await openConversation(fetchImpl);

    await waitFor(() => expect(lastReply().textContent).toContain('Well, first'));
    expect(within(lastReply()).getByTitle('Stopped before it was finished')).toBeTruthy();
    expect(lastReply().getAttribute('aria-busy')).toBe('false');
    expect(lastReply().textContent).not.toContain('still being written');
    expect(screen.getByRole('button', { name: 'Send' })).toBeTruthy();
  });

  it("puts the message back in the box with the server's sentence when the send is refused", async () => {
    const refusal = problem(
      422,
      'unprocessable',
      "This conversation's agent no longer exists; start a new conversation",
    );
    const { fetchImpl } = setUp({ replies: [refusal] });
    const box = await openConversation(fetchImpl);

    typeAndPressEnter(box, 'Hello?');

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe("This conversation's agent no longer exists; start a new conversation");
    await waitFor(() => expect(box.value).toBe('Hello?'));
    expect(screen.queryByRole('article', { name: 'You said' })).toBeNull();
  });

  it('offers to reload the conversation when the connection drops mid-reply and the reply cannot be followed, and shows the stored reply', async () => {
    const stream = sseReply();
    let savedHistory: StoredMessage[] = [];
    const { fetchImpl } = setUp({ history: () => savedHistory, replies: [stream.response] });
    const box = await openConversation(fetchImpl);
    typeAndPressEnter(box, 'Tell me a long story');
    await stream.send(started);
    await stream.send({ type: 'text-start', id: 't1' });
    await stream.send({ type: 'text-delta', id: 't1', delta: 'Once upon' });
    await stream.drop();

    const alert = await within(lastReply()).findByRole('alert');
    expect(alert.textContent).toContain('The connection to the server was lost');
    savedHistory = [
      stored({ id: 'u1', role: 'user', content: 'Tell me a long story' }),
      stored({ id: 'a1', content: 'Once upon a time, the end.' }),
    ];
    fireEvent.click(within(alert).getByRole('button', { name: 'Reload conversation' }));

    await waitFor(() => expect(lastReply().textContent).toContain('Once upon a time, the end.'));
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('follows a reply whose stream ended without its finish to its outcome: shown as interrupted, not complete', async () => {
    const stream = sseReply();
    const interrupted =
      'The reply was interrupted because the server stopped before it finished; send the message again';
    const followed = [
      { type: 'text-delta', conversationId: 'c1', seq: 2, part: 2, messageId: 'a1', delta: ' a time' },
      {
        type: 'error',
        conversationId: 'c1',
        seq: 3,
        messageId: 'a1',
        code: 'not_ready',
        message: interrupted,
        reply: stored({
          id: 'a1',
          content: 'Once upon',
          status: 'error',
          error: { code: 'not_ready', message: interrupted },
        }),
      },
    ];
    const { api, fetchImpl } = setUp({
      replies: [stream.response],
      followed: () =>
        new Response(
          followed.map((frame, index) => `id: 2.${index + 2}\ndata: ${JSON.stringify(frame)}\n\n`).join(''),
          {
            headers: { 'content-type': 'text/event-stream' },
          },
        ),
    });
    const box = await openConversation(fetchImpl);
    typeAndPressEnter(box, 'Tell me a long story');
    await stream.send(started);
    await stream.send({ type: 'text-start', id: 't1' });
    await stream.send({ type: 'text-delta', id: 't1', delta: 'Once upon' });
    // Its server died: the balancer ends the response as if it were done.
    await stream.cut();

    const alert = await within(lastReply()).findByRole('alert');
    expect(alert.textContent).toContain(interrupted);
    expect(lastReply().textContent).toContain('Once upon a time');
    expect(within(alert).getByRole('button', { name: 'Retry' })).toBeTruthy();
    expect(api.callsTo('GET', '/v1/conversations/c1/messages/a1/stream')).toHaveLength(1);
    expect(screen.getByRole('button', { name: 'Send' })).toBeTruthy();
  });

  it('stops the reply at the server with Stop: the stream ends with what was kept, marked as stopped', async () => {
    const stream = sseReply();
    const { api, fetchImpl } = setUp({
      replies: [stream.response],
      stop: () => Response.json(stored({ id: 'a1', content: 'Blah blah', status: 'stopped', finishReason: 'stopped' })),
    });
    const box = await openConversation(fetchImpl);
    await pressStopMidReply(box, stream);
    expect(api.callsTo('POST', '/v1/conversations/c1/messages/a1/stop')).toHaveLength(1);
    // Still reading: the server ends the stream itself, with the stored reply's figures.
    await stream.send({ type: 'text-end', id: 't1' });
    await stream.send({
      type: 'finish',
      finishReason: 'other',
      messageMetadata: { ...ids, status: 'stopped', finishReason: 'stopped' },
    });
    await stream.end();

    await screen.findByRole('button', { name: 'Send' });
    expect(lastReply().textContent).toContain('Blah blah');
    expect(within(lastReply()).getByTitle('Stopped before it was finished').textContent).toContain('Stopped');
    expect(lastReply().textContent).not.toContain('stopped here');
  });

  it('stops following a reply with Stop when the server cannot stop it, saying the rest is still stored', async () => {
    const stream = sseReply();
    const { fetchImpl } = setUp({ replies: [stream.response] });
    const box = await openConversation(fetchImpl);
    await pressStopMidReply(box, stream);
    await stream.send({ type: 'text-delta', id: 't1', delta: ' more' });

    await screen.findByRole('button', { name: 'Send' });
    expect(lastReply().textContent).toContain('Blah blah');
    expect(lastReply().textContent).not.toContain('more');
    expect(lastReply().textContent).toContain('stopped here; the server still stores the whole reply');
    expect(document.activeElement).toBe(box);
  });

  it("shows someone else's conversation read-only, saying why", async () => {
    const others = { ...conversation, ownerId: 'u-other' };
    const api = fakeApi({
      'GET /v1/conversations': () => pageOf([others]),
      'GET /v1/conversations/c1': () => Response.json(others),
      'GET /v1/conversations/c1/messages': () =>
        Response.json({
          items: [stored({ id: 'u0', role: 'user', content: 'Hi' })],
          olderCursor: null,
          newerCursor: null,
        }),
      'GET /v1/agents': () => pageOf([]),
    });
    await renderArea(<ChatArea />, { fetchImpl: api.fetchImpl, areaPath: '/chat', path: '/chat/c1' });

    await screen.findByText(/only its owner can send messages in it/);
    expect(screen.queryByRole('textbox', { name: 'Message' })).toBeNull();
    expect(screen.getByText('Someone else’s')).toBeTruthy();
  });

  it.each([
    ['does not exist', 404, 'not_found', "Conversation 'c404' was not found"],
    ['is no id at all', 400, 'validation_failed', 'The request is invalid — id: Invalid UUID'],
  ])(
    'says so with a way back, not a Retry, for an address whose conversation %s',
    async (_case, status, code, detail) => {
      const api = fakeApi({
        'GET /v1/conversations': () => pageOf([]),
        'GET /v1/conversations/:id': () => problem(status, code, detail),
        'GET /v1/conversations/:id/messages': () => problem(status, code, detail),
      });
      await renderArea(<ChatArea />, { fetchImpl: api.fetchImpl, areaPath: '/chat', path: '/chat/c404' });

      expect((await screen.findByRole('alert')).textContent).toContain(
        'This chat does not exist, or it is not yours to see.',
      );
      expect(screen.getByRole('link', { name: 'Back to your chats' }).getAttribute('href')).toBe('/chat');
      expect(screen.queryByRole('button', { name: 'Retry' })).toBeNull();
    },
  );

  it('inserts a new line on Shift+Enter instead of sending', async () => {
    const { api, fetchImpl } = setUp({ replies: [] });
    const box = await openConversation(fetchImpl);
    fireEvent.change(box, { target: { value: 'line one' } });
    const event = fireEvent.keyDown(box, { key: 'Enter', shiftKey: true });
    expect(event).toBe(true);
    expect(api.callsTo('POST', '/v1/conversations/c1/messages')).toHaveLength(0);
  });
});
