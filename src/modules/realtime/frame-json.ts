import type { ServerFrame } from './realtime.schemas.js';
import type { RealtimeEvent } from './event-relay.js';

/**
 * A frame as JSON, made once however many places it goes: the reply's log in Redis, the message to the
 * other nodes, this node's sockets and resumed streams (issue 63: a delta was serialised up to four times).
 * Frames are never changed once published, so the text stays true for the frame's lifetime.
 */
const frameTexts = new WeakMap<ServerFrame, string>();
export function frameJsonOf(frame: ServerFrame): string {
  let text = frameTexts.get(frame);
  if (text === undefined) {
    text = JSON.stringify(frame);
    frameTexts.set(frame, text);
  }
  return text;
}

/** An event as JSON, its frame's text spliced in rather than serialised again. */
export function eventJsonOf(event: RealtimeEvent): string {
  const { frame, ...rest } = event;
  const head = JSON.stringify(rest);
  return `${head.slice(0, -1)}${head.length > 2 ? ',' : ''}"frame":${frameJsonOf(frame)}}`;
}
