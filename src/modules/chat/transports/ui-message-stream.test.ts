import { readUIMessageStream, uiMessageChunkSchema, type UIMessage, type UIMessageChunk } from 'ai';
import { describe, expect, it } from 'vitest';
import type { MessageView } from '../../conversations/index.js';
import type { ChatTurnEvent } from '../turn/chat-events.js';
import { createUiMessageChunkMapper } from './ui-message-stream.js';

const message = (overrides: Partial<MessageView>): MessageView => ({
  id: 'm',
  conversationId: 'c',
  role: 'assistant',
  content: '',
  reasoning: null,
  status: 'complete',
  error: null,
  model: 'offline',
  agentVersion: null,
  usage: null,
  timeToFirstTokenMs: null,
  durationMs: null,
  finishReason: 'stop',
  citations: [],
  attachments: [],
  toolCalls: [],
  createdAt: '2026-01-01T00:00:00.000Z',
  completedAt: null,
  readAt: null,
  seq: 0,
  ...overrides,
});

const started: ChatTurnEvent = {
  type: 'message-started',
  conversationId: 'c',
  userMessage: message({ id: 'u', role: 'user' }),
  assistantMessageId: 'a',
  replySeq: 0,
  model: 'offline',
};

function mapAll(events: ChatTurnEvent[]) {
  const toChunks = createUiMessageChunkMapper();
  return events.flatMap((event) => toChunks(event));
}

const citation = {
  marker: 1,
  sourceId: '0190a000-0000-7000-8000-000000000001',
  documentId: '0190a000-0000-7000-8000-000000000002',
  documentTitle: 'Handbook.pdf',
  chunkId: '0190a000-0000-7000-8000-000000000003',
  page: 3,
  headingPath: ['Leave', 'Holidays'],
  score: 0.031,
  excerpt: 'Staff get 25 days of paid leave.',
};

describe('UI message stream mapping', () => {
  it('sends retrieved passages as source-document parts before the text, valid for the AI SDK', async () => {
    const chunks = mapAll([
      started,
      { type: 'sources', citations: [citation, { ...citation, marker: 2, chunkId: citation.documentId, page: null }] },
      { type: 'text-delta', delta: 'Twenty-five days [1].' },
      { type: 'finished', assistantMessage: message({ id: 'a', content: 'Twenty-five days [1].' }) },
    ]);
    expect(chunks.map((chunk) => chunk.type).slice(0, 5)).toEqual([
      'start',
      'start-step',
      'source-document',
      'source-document',
      'text-start',
    ]);
    expect(chunks[2]).toEqual({
      type: 'source-document',
      sourceId: citation.chunkId,
      mediaType: 'text/plain',
      title: 'Handbook.pdf',
      providerMetadata: {
        parley: {
          marker: 1,
          knowledgeSourceId: citation.sourceId,
          documentId: citation.documentId,
          page: 3,
          headingPath: ['Leave', 'Holidays'],
          score: 0.031,
          excerpt: citation.excerpt,
        },
      },
    });
    const schema = uiMessageChunkSchema();
    for (const chunk of chunks) expect((await schema.validate?.(chunk))?.success, JSON.stringify(chunk)).toBe(true);
  });

  it('opens and closes reasoning and text parts around their deltas', () => {
    const chunks = mapAll([
      started,
      { type: 'reasoning-delta', delta: 'hmm' },
      { type: 'text-delta', delta: 'Hi' },
      { type: 'text-delta', delta: '!' },
      { type: 'finished', assistantMessage: message({ id: 'a', content: 'Hi!', finishReason: 'length' }) },
    ]);
    expect(chunks.map((chunk) => chunk.type)).toEqual([
      'start',
      'start-step',
      'reasoning-start',
      'reasoning-delta',
      'reasoning-end',
      'text-start',
      'text-delta',
      'text-delta',
      'text-end',
      'finish-step',
      'finish',
    ]);
    expect(chunks.at(-1)).toMatchObject({
      finishReason: 'length',
      messageMetadata: { assistantMessageId: 'a', userMessageId: 'u' },
    });
  });

  it('closes an open part before an error and ends with finish', () => {
    const chunks = mapAll([
      started,
      { type: 'text-delta', delta: 'Par' },
      {
        type: 'error',
        error: { code: 'model_timeout', message: 'Too slow' },
        assistantMessage: message({ id: 'a', status: 'error', error: { code: 'model_timeout', message: 'Too slow' } }),
      },
    ]);
    expect(chunks.map((chunk) => chunk.type)).toEqual([
      'start',
      'start-step',
      'text-start',
      'text-delta',
      'text-end',
      'error',
      'finish',
    ]);
    expect(chunks[5]).toEqual({ type: 'error', errorText: 'Too slow' });
  });

  it('emits only parts that the AI SDK itself accepts', async () => {
    const chunks = mapAll([
      started,
      { type: 'reasoning-delta', delta: 'r' },
      { type: 'text-delta', delta: 't' },
      { type: 'tool-call', toolCallId: 'call-1', toolName: 'lookup', input: { q: 1 } },
      { type: 'finished', assistantMessage: message({ id: 'a', finishReason: 'something-new' }) },
    ]);
    const schema = uiMessageChunkSchema();
    for (const chunk of chunks) {
      const result = await schema.validate?.(chunk);
      expect(result?.success, JSON.stringify(chunk)).toBe(true);
    }
    expect(chunks.at(-1)).toMatchObject({ type: 'finish', finishReason: 'other' });
  });

  it('assembles into the message useChat would show, with our metadata', async () => {
    const chunks = mapAll([
      started,
      { type: 'reasoning-delta', delta: 'Let me ' },
      { type: 'reasoning-delta', delta: 'think.' },
      { type: 'text-delta', delta: 'Hello ' },
      { type: 'text-delta', delta: 'there.' },
      { type: 'finished', assistantMessage: message({ id: 'a', content: 'Hello there.', durationMs: 12 }) },
    ]);
    const stream = new ReadableStream<UIMessageChunk>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(chunk);
        controller.close();
      },
    });
    let last: UIMessage | undefined;
    for await (const snapshot of readUIMessageStream({ stream })) last = snapshot;
    expect(last).toMatchObject({
      id: 'a',
      role: 'assistant',
      metadata: {
        conversationId: 'c',
        userMessageId: 'u',
        assistantMessageId: 'a',
        status: 'complete',
        durationMs: 12,
      },
    });
    const parts = last!.parts.filter((part) => part.type === 'reasoning' || part.type === 'text');
    expect(parts).toMatchObject([
      { type: 'reasoning', text: 'Let me think.', state: 'done' },
      { type: 'text', text: 'Hello there.', state: 'done' },
    ]);
  });
});

describe('UI message stream mapping of tool calls', () => {
  const toolTurn: ChatTurnEvent[] = [
    started,
    { type: 'text-delta', delta: 'Checking. ' },
    { type: 'tool-call', toolCallId: 't1', toolName: 'add', input: { a: 2, b: 3 } },
    { type: 'tool-result', toolCallId: 't1', output: '5' },
    { type: 'tool-call', toolCallId: 't2', toolName: 'fail', input: {} },
    { type: 'tool-result', toolCallId: 't2', errorText: 'the tool is on fire' },
    { type: 'tool-call', toolCallId: 't3', toolName: 'echo', input: { message: 'hi' } },
    { type: 'tool-approval-request', toolCallId: 't3', approvalId: 't3' },
    {
      type: 'finished',
      assistantMessage: message({ id: 'a', status: 'awaiting_approval', finishReason: 'tool-calls' }),
    },
  ];

  it('sends tool input, output, error and approval parts the AI SDK accepts, text closed before them', async () => {
    const chunks = mapAll(toolTurn);
    expect(chunks.map((chunk) => chunk.type)).toEqual([
      'start',
      'start-step',
      'text-start',
      'text-delta',
      'text-end',
      'tool-input-available',
      'tool-output-available',
      'tool-input-available',
      'tool-output-error',
      'tool-input-available',
      'tool-approval-request',
      'finish-step',
      'finish',
    ]);
    const schema = uiMessageChunkSchema();
    for (const chunk of chunks) expect((await schema.validate?.(chunk))?.success, JSON.stringify(chunk)).toBe(true);
  });

  it('reads back as a message whose tool parts carry their states', async () => {
    const stream = new ReadableStream<UIMessageChunk>({
      start(controller) {
        for (const chunk of mapAll(toolTurn)) controller.enqueue(chunk);
        controller.close();
      },
    });
    let last: UIMessage | undefined;
    for await (const snapshot of readUIMessageStream({ stream })) last = snapshot;
    const tools = (last?.parts ?? []).filter((part) => part.type === 'dynamic-tool');
    expect(tools.map((part) => [part.toolCallId, part.state])).toEqual([
      ['t1', 'output-available'],
      ['t2', 'output-error'],
      ['t3', 'approval-requested'],
    ]);
  });

  it('marks a denied call as denied', () => {
    const chunks = mapAll([started, { type: 'tool-result', toolCallId: 't3', errorText: 'no', isDenied: true }]);
    expect(chunks.at(-1)).toEqual({ type: 'tool-output-denied', toolCallId: 't3' });
  });
});
