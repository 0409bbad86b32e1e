import type { DynamicToolUIPart } from 'ai';
import type { StoredToolCall } from './chat-api';
import type { ChatMessage } from './chat-messages';

/**
 * A tool call as useChat holds it. The server streams every tool as `dynamic` (the console knows no
 * tool's types), so both a streamed call and one read from history are `dynamic-tool` parts.
 */
export type ToolPart = DynamicToolUIPart;

export const isToolPart = (part: ChatMessage['parts'][number]): part is ToolPart => part.type === 'dynamic-tool';

/**
 * A stored call as the part the stream would have left: the server uses the call's id as the
 * approval's id, so a prompt read from history answers the same approval as a streamed one. In a
 * reply still waiting, a `running` call is one approved that waits for the other calls' decisions.
 */
export function toToolPart(call: StoredToolCall, isReplyWaiting = false): ToolPart {
  const base = { type: 'dynamic-tool' as const, toolCallId: call.toolCallId, toolName: call.toolName };
  switch (call.state) {
    case 'awaiting_approval':
      return { ...base, state: 'approval-requested', input: call.input, approval: { id: call.toolCallId } };
    case 'denied':
      return {
        ...base,
        state: 'output-denied',
        input: call.input,
        approval: { id: call.toolCallId, approved: false },
      };
    case 'running':
      return isReplyWaiting
        ? { ...base, state: 'approval-responded', input: call.input, approval: { id: call.toolCallId, approved: true } }
        : { ...base, state: 'input-available', input: call.input };
    case 'complete':
      return { ...base, state: 'output-available', input: call.input, output: call.output };
    case 'error':
      return {
        ...base,
        state: 'output-error',
        input: call.input,
        errorText: call.errorMessage || 'The tool failed',
      };
  }
}

/** What a tool call is doing, in the words and colour its badge shows. */
export type ToolCallPhase = 'running' | 'awaiting-approval' | 'decided' | 'complete' | 'error' | 'denied';

export function toolCallPhase(part: ToolPart): ToolCallPhase {
  switch (part.state) {
    case 'input-streaming':
    case 'input-available':
      return 'running';
    case 'approval-requested':
      return 'awaiting-approval';
    case 'approval-responded':
      return 'decided';
    case 'output-available':
      return 'complete';
    case 'output-error':
      return 'error';
    case 'output-denied':
      return 'denied';
  }
}

/**
 * A value as the person reads it: text as is (MCP results are text), anything else as indented JSON.
 * Never HTML: it is rendered as text.
 */
export function formatToolValue(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  // What the stream and the history carry is parsed JSON, so it always serialises again.
  return JSON.stringify(value, null, 2);
}

/**
 * A message's parts in reading order, text runs merged: a reply that calls tools reads "text, tool,
 * text"; one without tools is a single text segment, as before tools existed.
 */
export type MessageSegment = { kind: 'text'; text: string; key: string } | { kind: 'tool'; part: ToolPart };

export function messageSegments(message: ChatMessage): MessageSegment[] {
  const segments: MessageSegment[] = [];
  for (const part of message.parts) {
    if (isToolPart(part)) {
      segments.push({ kind: 'tool', part });
    } else if (part.type === 'text' && part.text) {
      const previous = segments.at(-1);
      if (previous?.kind === 'text') previous.text += part.text;
      else segments.push({ kind: 'text', text: part.text, key: `text-${segments.length}` });
    }
  }
  return segments;
}
