import type { LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { generateId, StreamingToolCallTracker } from '@ai-sdk/provider-utils';
import type { WireToolCallDelta } from './chat-completions-chunks.js';

export interface ToolCallParts {
  read(delta: WireToolCallDelta): void;
  /** At the stream's end: calls still open are finished, as the SDK finishes them. */
  finish(): void;
}

interface PendingToolCall {
  id: string | null;
  bufferedArguments: string;
  extraContent: WireToolCallDelta['extra_content'];
}

/**
 * Tool calls a server streams into a call that offered no tools (ADR 28): rare, but passed on as
 * `@ai-sdk/openai-compatible` passes them, through the same tracker from provider-utils. As in the SDK,
 * a call's deltas are held by index until its name is known, since some servers send the name later.
 */
export function createToolCallParts(
  emit: (part: LanguageModelV3StreamPart) => void,
  metadataKey: string,
): ToolCallParts {
  const tracker = new StreamingToolCallTracker<WireToolCallDelta>(
    { enqueue: emit },
    {
      generateId,
      extractMetadata: (delta) => {
        const thoughtSignature = delta.extra_content?.google?.thought_signature;
        return thoughtSignature ? { [metadataKey]: { thoughtSignature } } : undefined;
      },
      buildToolCallProviderMetadata: (metadata) => metadata,
    },
  );
  const pendingCalls = new Map<number, PendingToolCall>();
  const forwardedIndices = new Set<number>();

  return {
    read(delta) {
      const { index } = delta;
      if (index == null || forwardedIndices.has(index)) {
        tracker.processDelta(delta);
        return;
      }
      let pending = pendingCalls.get(index);
      if (pending === undefined) {
        pending = { id: delta.id ?? null, bufferedArguments: '', extraContent: delta.extra_content ?? null };
        pendingCalls.set(index, pending);
      } else {
        if (pending.id == null && delta.id != null) pending.id = delta.id;
        if (pending.extraContent == null && delta.extra_content != null) pending.extraContent = delta.extra_content;
      }
      if (delta.function.arguments != null) pending.bufferedArguments += delta.function.arguments;
      const name = delta.function.name;
      if (name == null) return;
      tracker.processDelta({
        index,
        id: pending.id,
        function: { name, arguments: pending.bufferedArguments },
        extra_content: pending.extraContent ?? undefined,
      });
      pendingCalls.delete(index);
      forwardedIndices.add(index);
    },
    finish() {
      // Deltas that never got a name go to the tracker as they are, which reports them as the SDK does.
      for (const [index, pending] of pendingCalls) {
        tracker.processDelta({ index, id: pending.id, function: { arguments: pending.bufferedArguments } });
      }
      pendingCalls.clear();
      tracker.flush();
    },
  };
}
