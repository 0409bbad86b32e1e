import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeApi, pageOf, problem, renderArea } from '../../ui/test-harness';
import type { StoredMessage } from './chat-api';
import { ChatArea } from './chat-area';
import { conversation, sseReply, stored } from './chat-test-support';

afterEach(cleanup);

const ids = { conversationId: 'c1', userMessageId: 'u1', assistantMessageId: 'a1' };
const started = { type: 'start', messageId: 'a1', messageMetadata: { ...ids, model: 'openai:gpt-4o' } };
const lookup = { toolCallId: 'call-1', toolName: 'lookup_order', input: { orderId: 'A-17', verbose: true } };
const finished = (status: StoredMessage['status']) => ({
  type: 'finish',
  finishReason: status === 'awaiting_approval' ? 'tool-calls' : 'stop',
  messageMetadata: { ...ids, status },
});

function setUp(options: { history?: StoredMessage[]; replies: Response[]; approvals?: Response[]; ownerId?: string }) {
  const replies = [...options.replies];
  const approvals = [...(options.approvals ?? [])];
  const api = fakeApi({
    'GET /v1/conversations': () => pageOf([conversation]),
    'GET /v1/conversations/c1': () => Response.json({ ...conversation, ownerId: options.ownerId ?? 'u-self' }),
    'GET /v1/conversations/c1/messages': () =>
      Response.json({ items: options.history ?? [], olderCursor: null, newerCursor: null }),
    'GET /v1/agents': () => pageOf([{ id: 'agent-1', name: 'Clerk', model: 'openai:gpt-4o' }]),
    'POST /v1/conversations/c1/messages': () => replies.shift() ?? problem(500, 'internal', 'No reply queued'),
    'POST /v1/conversations/c1/messages/:messageId/tool-approvals': () =>
      approvals.shift() ?? problem(500, 'internal', 'No continuation queued'),
  });
  return api;
}

async function openConversation(fetchImpl: typeof fetch) {
  await renderArea(<ChatArea />, { fetchImpl, areaPath: '/chat', path: '/chat/c1' });
  return screen.findByRole<HTMLTextAreaElement>('textbox', { name: 'Message' });
}

async function send(fetchImpl: typeof fetch, text: string) {
  const box = await openConversation(fetchImpl);
  fireEvent.change(box, { target: { value: text } });
  fireEvent.keyDown(box, { key: 'Enter' });
  await screen.findByText(text);
}

const toolCall = (name = 'lookup_order') => screen.getByRole('region', { name: `Tool call ${name}` });
const replies = () => screen.queryAllByRole('article', { name: 'Reply' });
/** What a reply shows, top to bottom: its text runs and its tool calls. */
const segmentOrder = (reply: HTMLElement) =>
  [...reply.querySelectorAll('.tool-call, .markdown, .user-text')].map((node) =>
    node.classList.contains('tool-call') ? 'tool' : 'text',
  );
const approvalCalls = (api: ReturnType<typeof setUp>) =>
  api.calls.filter((call) => call.method === 'POST' && call.path.endsWith('/tool-approvals'));

describe('chat tool calls', () => {
  it('shows a streamed tool call running, then its arguments and result, then the text written from it', async () => {
    const stream = sseReply();
    const api = setUp({ replies: [stream.response] });
    await send(api.fetchImpl, 'Where is order A-17?');

    await stream.send(started);
    await stream.send({ type: 'start-step' });
    await stream.send({ type: 'tool-input-available', ...lookup, dynamic: true });
    expect(within(toolCall()).getByText('Running…')).toBeTruthy();
    // The arguments are there, pretty-printed, but folded away.
    const argumentsBlock = within(toolCall()).getByText(/"orderId": "A-17"/);
    expect(argumentsBlock.textContent).toBe('{\n  "orderId": "A-17",\n  "verbose": true\n}');
    expect(argumentsBlock.closest('details')?.open).toBe(false);

    await stream.send({
      type: 'tool-output-available',
      toolCallId: 'call-1',
      output: 'Shipped on 3 May',
      dynamic: true,
    });
    expect(within(toolCall()).getByText('Done')).toBeTruthy();
    expect(within(toolCall()).getByText('Result')).toBeTruthy();
    expect(within(toolCall()).getByText('Shipped on 3 May')).toBeTruthy();

    await stream.send({ type: 'finish-step' });
    await stream.send({ type: 'start-step' });
    await stream.send({ type: 'text-start', id: 't1' });
    await stream.send({ type: 'text-delta', id: 't1', delta: 'It shipped on 3 May.' });
    await stream.send({ type: 'text-end', id: 't1' });
    await stream.send(finished('complete'));
    await stream.end();

    // Tool first, then the text, in one reply.
    const reply = replies().at(-1)!;
    expect(replies()).toHaveLength(1);
    expect(segmentOrder(reply)[0]).toBe('tool');
    expect(await within(reply).findByText('It shipped on 3 May.')).toBeTruthy();
  });

  it("shows a tool's error in words, marked as failed", async () => {
    const stream = sseReply();
    const api = setUp({ replies: [stream.response] });
    await send(api.fetchImpl, 'Where is order A-17?');
    await stream.send(started);
    await stream.send({ type: 'tool-input-available', ...lookup, dynamic: true });
    await stream.send({
      type: 'tool-output-error',
      toolCallId: 'call-1',
      errorText: 'The orders server is down',
      dynamic: true,
    });
    await stream.send(finished('complete'));
    await stream.end();

    expect(within(toolCall()).getByText('Failed')).toBeTruthy();
    expect(within(toolCall()).getByText('The orders server is down')).toBeTruthy();
  });

  it('asks to approve a call, posts the decision, and streams the rest of the same reply into it', async () => {
    const first = sseReply();
    const rest = sseReply();
    const api = setUp({ replies: [first.response], approvals: [rest.response] });
    await send(api.fetchImpl, 'Refund order A-17');
    await first.send(started);
    await first.send({ type: 'text-start', id: 't1' });
    await first.send({ type: 'text-delta', id: 't1', delta: 'Let me refund it.' });
    await first.send({ type: 'text-end', id: 't1' });
    await first.send({ type: 'tool-input-available', ...lookup, toolName: 'refund_order', dynamic: true });
    await first.send({ type: 'tool-approval-request', approvalId: 'call-1', toolCallId: 'call-1' });
    await first.send(finished('awaiting_approval'));
    await first.end();

    const call = toolCall('refund_order');
    expect(within(call).getByText('Needs your approval')).toBeTruthy();
    // What is to be approved is shown open.
    expect(
      within(call)
        .getByText(/"orderId": "A-17"/)
        .closest('details')?.open,
    ).toBe(true);
    fireEvent.click(within(call).getByRole('button', { name: 'Approve' }));

    await waitFor(() => expect(approvalCalls(api)).toHaveLength(1));
    expect(approvalCalls(api)[0]).toMatchObject({
      path: '/v1/conversations/c1/messages/a1/tool-approvals',
      body: { toolCallId: 'call-1', approved: true },
    });
    expect(within(toolCall('refund_order')).getByText('Approved · running…')).toBeTruthy();
    expect(within(toolCall('refund_order')).queryByRole('button', { name: 'Approve' })).toBeNull();

    await rest.send(started);
    await rest.send({ type: 'tool-output-available', toolCallId: 'call-1', output: { refunded: 42 }, dynamic: true });
    await rest.send({ type: 'text-start', id: 't2' });
    await rest.send({ type: 'text-delta', id: 't2', delta: ' Refunded 42 EUR.' });
    await rest.send({ type: 'text-end', id: 't2' });
    await rest.send(finished('complete'));
    await rest.end();

    expect(replies()).toHaveLength(1);
    expect(within(toolCall('refund_order')).getByText('Done')).toBeTruthy();
    const result = within(toolCall('refund_order')).getByText(/"refunded": 42/);
    expect(result.textContent).toBe('{\n  "refunded": 42\n}');
    expect(await within(replies()[0]!).findByText(/Refunded 42 EUR/)).toBeTruthy();
    expect(within(replies()[0]!).getByText(/Let me refund it/)).toBeTruthy();
  });

  it('asks again after a reload, from the stored call, and a denial is posted and shown', async () => {
    const rest = sseReply();
    const history = [
      stored({ id: 'u1', role: 'user', content: 'Refund order A-17' }),
      stored({
        id: 'a1',
        status: 'awaiting_approval',
        content: 'Let me refund it.',
        toolCalls: [{ ...lookup, toolName: 'refund_order', state: 'awaiting_approval' }],
      }),
    ];
    const api = setUp({ history, replies: [], approvals: [rest.response] });
    await openConversation(api.fetchImpl);
    // The text stored so far was written before the call that waits.
    expect(segmentOrder(replies()[0]!)).toEqual(['text', 'tool']);

    fireEvent.click(within(toolCall('refund_order')).getByRole('button', { name: 'Deny' }));
    await waitFor(() => expect(approvalCalls(api)).toHaveLength(1));
    expect(approvalCalls(api)[0]?.body).toEqual({ toolCallId: 'call-1', approved: false });

    await rest.send(started);
    await rest.send({ type: 'tool-output-denied', toolCallId: 'call-1' });
    await rest.send({ type: 'text-start', id: 't2' });
    await rest.send({ type: 'text-delta', id: 't2', delta: ' Understood, no refund.' });
    await rest.send({ type: 'text-end', id: 't2' });
    await rest.send(finished('complete'));
    await rest.end();

    expect(within(toolCall('refund_order')).getByText('Denied: the tool did not run.')).toBeTruthy();
    expect(await screen.findByText(/Understood, no refund/)).toBeTruthy();
    expect(segmentOrder(replies()[0]!)).toEqual(['text', 'tool', 'text']);
  });

  it('keeps a reply with two calls waiting until both are decided, from the stream and from history', async () => {
    const settled = sseReply();
    const waiting = (first: 'awaiting_approval' | 'running') => [
      stored({ id: 'u1', role: 'user', content: 'Refund A-17 and A-18' }),
      stored({
        id: 'a1',
        status: 'awaiting_approval',
        toolCalls: [
          { ...lookup, toolName: 'refund_order', state: first },
          { ...lookup, toolCallId: 'call-2', toolName: 'refund_shipping', state: 'awaiting_approval' },
        ],
      }),
    ];
    const api = setUp({ history: waiting('awaiting_approval'), replies: [], approvals: [settled.response] });
    await openConversation(api.fetchImpl);

    fireEvent.click(within(toolCall('refund_order')).getByRole('button', { name: 'Approve' }));
    await waitFor(() => expect(approvalCalls(api)).toHaveLength(1));
    // The server records the decision and ends at once: the other call still waits.
    await settled.send(started);
    await settled.send(finished('awaiting_approval'));
    await settled.end();
    expect(within(toolCall('refund_order')).getByText('Approved · waits for the other calls')).toBeTruthy();
    expect(within(toolCall('refund_shipping')).getByRole('button', { name: 'Approve' })).toBeTruthy();

    cleanup();
    const reloaded = setUp({ history: waiting('running'), replies: [] });
    await openConversation(reloaded.fetchImpl);
    expect(within(toolCall('refund_order')).getByText('Approved · waits for the other calls')).toBeTruthy();
    expect(within(toolCall('refund_order')).queryByRole('button')).toBeNull();
    expect(within(toolCall('refund_shipping')).getByRole('button', { name: 'Deny' })).toBeTruthy();
  });

  it('puts the prompt back with the reason when the decision is refused', async () => {
    const history = [
      stored({ id: 'u1', role: 'user', content: 'Refund order A-17' }),
      stored({
        id: 'a1',
        status: 'awaiting_approval',
        toolCalls: [{ ...lookup, toolName: 'refund_order', state: 'awaiting_approval' }],
      }),
    ];
    const refused = problem(409, 'conflict', "Tool call 'call-1' was already approved or denied");
    const api = setUp({ history, replies: [], approvals: [refused] });
    await openConversation(api.fetchImpl);

    fireEvent.click(within(toolCall('refund_order')).getByRole('button', { name: 'Approve' }));
    expect(await screen.findByText("Tool call 'call-1' was already approved or denied")).toBeTruthy();
    expect(within(toolCall('refund_order')).getByText('Needs your approval')).toBeTruthy();
    expect(within(toolCall('refund_order')).getByRole('button', { name: 'Approve' })).toBeTruthy();
  });

  it("tells someone reading another person's conversation that the call waits for its owner", async () => {
    const history = [
      stored({ id: 'u1', role: 'user', content: 'Refund order A-17' }),
      stored({
        id: 'a1',
        status: 'awaiting_approval',
        toolCalls: [{ ...lookup, toolName: 'refund_order', state: 'awaiting_approval' }],
      }),
    ];
    const api = setUp({ history, replies: [], ownerId: 'u-other' });
    await renderArea(<ChatArea />, { fetchImpl: api.fetchImpl, areaPath: '/chat', path: '/chat/c1' });

    const call = await screen.findByRole('region', { name: 'Tool call refund_order' });
    expect(within(call).getByText(/Waiting for the conversation’s owner/)).toBeTruthy();
    expect(within(call).queryByRole('button')).toBeNull();
  });

  it('shows stored calls in every state from history', async () => {
    const history = [
      stored({ id: 'u1', role: 'user', content: 'Check everything' }),
      stored({
        id: 'a1',
        content: 'All checked.',
        toolCalls: [
          {
            toolCallId: 'c-ok',
            toolName: 'current_time',
            input: {},
            state: 'complete',
            output: '2026-01-01T10:00:00Z',
          },
          { toolCallId: 'c-bad', toolName: 'lookup_order', input: {}, state: 'error', errorMessage: 'Order not found' },
          { toolCallId: 'c-no', toolName: 'refund_order', input: {}, state: 'denied' },
          { toolCallId: 'c-cut', toolName: 'search_knowledge', input: { query: 'x' }, state: 'running' },
        ],
      }),
    ];
    const api = setUp({ history, replies: [] });
    await openConversation(api.fetchImpl);

    expect(within(toolCall('current_time')).getByText('Done')).toBeTruthy();
    expect(within(toolCall('current_time')).getByText('2026-01-01T10:00:00Z')).toBeTruthy();
    expect(within(toolCall('lookup_order')).getByText('Order not found')).toBeTruthy();
    expect(within(toolCall('refund_order')).getByText('Denied')).toBeTruthy();
    // Stored as running in a finished reply: the turn ended before the tool did.
    expect(within(toolCall('search_knowledge')).getByText('No result')).toBeTruthy();
  });
});
