import { presentMessage, storeAnnounced, type MessageEvents, type MessageView } from '../../conversations/index.js';
import type { Database } from '../../../platform/db/client.js';
import { storableText } from '../../../platform/db/storable-text.js';
import { newId } from '../../../platform/ids.js';
import type { ChatRepository } from '../chat.repository.js';
import type { ChatTurnEvent } from './chat-events.js';
import {
  streamModelReply,
  type ModelStreamDeps,
  type ModelStreamEvent,
  type ModelStreamRequest,
  type ModelStreamResult,
} from './model-stream.js';
import { pauseUnlessAborted } from '../../../platform/abortable-pause.js';
import {
  bubblesResponseFormat,
  paragraphBubbles,
  parseBubbles,
  splitInstructions,
  typingPauseMs,
  writtenBeforeStop,
  type SplitReplySettings,
} from './split-replies.js';

/** A split reply as the model wrote it: its first bubble is `text`, the others follow it. */
export interface SplitModelResult extends ModelStreamResult {
  readonly laterBubbles: readonly string[];
}

/**
 * Asks the model for its reply as a list of short messages (the offline model: its paragraphs). Nothing
 * of the answer is streamed: it is JSON until parsed, and a bubble appears whole, as in a messenger.
 * A failed call keeps no text (its error is the reply's); a stopped one keeps what was written, as one
 * message.
 */
export async function writeSplitReply(
  deps: ModelStreamDeps,
  request: ModelStreamRequest,
  options: { settings: SplitReplySettings; isOffline: boolean; stopped: AbortSignal },
  onEvent: (event: ModelStreamEvent) => void,
): Promise<SplitModelResult> {
  const { settings, isOffline } = options;
  const structured = isOffline
    ? request
    : {
        ...request,
        system: [request.system, splitInstructions(settings.maxBubbles)].filter(Boolean).join('\n\n'),
        sampling: { ...request.sampling, responseFormat: await bubblesResponseFormat() },
      };
  const result = await streamModelReply(deps, structured, (event) => {
    if (event.type !== 'text-delta') onEvent(event);
  });
  if (result.error) {
    if (!options.stopped.aborted) return { ...result, text: '', laterBubbles: [] };
    const written = isOffline ? result.text.trim() : await writtenBeforeStop(result.text);
    return { ...result, text: written, laterBubbles: [] };
  }
  const bubbles = isOffline
    ? paragraphBubbles(result.text, settings.maxBubbles)
    : parseBubbles(result.text, settings.maxBubbles);
  const [first = '', ...later] = bubbles;
  return { ...result, text: first, laterBubbles: later };
}

export interface BubbleDeliveryDeps {
  readonly db: Database;
  readonly repository: Pick<ChatRepository, 'storeBubble'>;
  readonly messageEvents?: MessageEvents | undefined;
}

export interface BubbleDelivery {
  readonly tenantId: string;
  readonly conversationId: string;
  readonly headId: string;
  readonly modelRef: string;
  readonly bubbles: readonly string[];
  readonly settings: SplitReplySettings;
  /** Stops the delivery: the reply stopped (or its node is stopping); the bubbles not yet sent are dropped. */
  readonly signal: AbortSignal;
}

/**
 * Delivers the bubbles after the first: for each, a typing pause proportional to its length, then the
 * bubble stored as a message of its own and told. Stopped (or the conversation gone), the rest are
 * neither stored nor sent.
 */
export async function deliverLaterBubbles(
  deps: BubbleDeliveryDeps,
  delivery: BubbleDelivery,
  emit: (event: ChatTurnEvent) => void,
): Promise<{ delivered: MessageView[]; isCut: boolean }> {
  const delivered: MessageView[] = [];
  for (const [index, bubble] of delivery.bubbles.entries()) {
    const position = index + 1;
    const pauseMs = typingPauseMs(bubble, delivery.settings);
    emit({ type: 'bubble-typing', position, pauseMs });
    if (!(await pauseUnlessAborted(pauseMs, delivery.signal))) return { delivered, isCut: true };
    // Stored with its announcement: each bubble is a message of its own.
    const message = await storeAnnounced(
      deps,
      delivery.tenantId,
      async (tx) => {
        const row = await deps.repository.storeBubble(tx, {
          id: newId(),
          tenantId: delivery.tenantId,
          conversationId: delivery.conversationId,
          headId: delivery.headId,
          position,
          content: storableText(bubble),
          modelRef: delivery.modelRef,
          now: new Date(),
        });
        return row && presentMessage(row);
      },
      (stored) => (stored ? [stored] : []),
      { needsTransaction: true },
    );
    if (!message) return { delivered, isCut: true };
    delivered.push(message);
    emit({ type: 'bubble', position, message });
  }
  return { delivered, isCut: false };
}
