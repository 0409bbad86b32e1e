import type { RawData, WebSocket } from 'ws';
import { AppError } from '../../platform/errors.js';
import { frameJsonOf } from './frame-json.js';
import { newId } from '../../platform/ids.js';
import type { Logger } from '../../platform/logger.js';
import type { Identified } from '../auth/index.js';
import type { RealtimeConnection, RealtimeHub } from './realtime-hub.js';
import type { RealtimeService } from './realtime.service.js';
import {
  clientFrameSchema,
  clientFrameTypes,
  closeCodes,
  protocolVersion,
  type ClientFrame,
  type FrameErrorCode,
  type ServerFrame,
} from './realtime.schemas.js';

/** Every bound a socket lives within (REALTIME_* settings; docs/realtime.md). */
export interface RealtimeLimits {
  readonly connectionsPerUser: number;
  readonly subscriptionsPerConnection: number;
  readonly frameMaxBytes: number;
  readonly framesPerSecond: number;
  /** A socket whose unsent frames pass this is closed (4009): it reconnects and resumes with `after`. */
  readonly bufferMaxBytes: number;
  readonly heartbeatMs: number;
  readonly ticketTtlMs: number;
  readonly typingThrottleMs: number;
  /** Stored messages one statement of a replay reads (`after`, a gap, a catch-up): the rest in more pages. */
  readonly replayPageSize: number;
}

export interface ConnectionDeps {
  readonly hub: RealtimeHub;
  readonly service: RealtimeService;
  readonly limits: RealtimeLimits;
  readonly logger: Pick<Logger, 'error'>;
  /** The node's one heartbeat timer, which every socket joins (createHeartbeat). */
  readonly heartbeat: Heartbeat;
}

/**
 * One timer for every socket of the node: each beat runs every socket's check. A timer per socket
 * (its Timeout and closure) was a measurable part of what an idle socket costs at 10,000 of them.
 */
export function createHeartbeat(intervalMs: number) {
  const beats = new Set<() => void>();
  const timer = setInterval(() => {
    for (const beat of beats) beat();
  }, intervalMs);
  timer.unref();
  return {
    join: (beat: () => void) => void beats.add(beat),
    leave: (beat: () => void) => void beats.delete(beat),
    stop: () => clearInterval(timer),
  };
}

export type Heartbeat = ReturnType<typeof createHeartbeat>;

/**
 * A frame as the bytes a socket sends, made once however many sockets it goes to: an event for 500
 * subscribers is serialised once, not 500 times (`ws` would also turn each string into a new Buffer);
 * its text is the one the relay made for Redis (frame-json.ts).
 */
const frameBytes = new WeakMap<ServerFrame, Buffer>();
function bytesOf(frame: ServerFrame): Buffer {
  let bytes = frameBytes.get(frame);
  if (!bytes) {
    bytes = Buffer.from(frameJsonOf(frame));
    frameBytes.set(frame, bytes);
  }
  return bytes;
}

const sizeOf = (data: RawData): number =>
  Array.isArray(data) ? data.reduce((sum, part) => sum + part.length, 0) : data.byteLength;
const textOf = (data: RawData): string =>
  Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat([data].flat() as Buffer[]).toString('utf8');

/** A closed socket that does not finish its close handshake is cut after this. */
const closeGraceMs = 5_000;

/** The codes an AppError becomes in an `error` frame. */
function frameCodeOf(error: AppError): FrameErrorCode {
  switch (error.code) {
    case 'validation_failed':
    case 'malformed_request':
      return 'validation';
    case 'payload_too_large':
      return 'too_large';
    case 'not_found':
    case 'forbidden':
    case 'conflict':
    case 'rate_limited':
    case 'not_ready':
    case 'storage_full':
    case 'unprocessable':
      return error.code;
    default:
      return error.status >= 500 ? 'internal' : 'unprocessable';
  }
}

/**
 * One open socket: reads and checks its frames, answers each, writes the events it watches, and
 * keeps it honest (heartbeat, frame rate, unsent buffer). The protocol's own ping goes out every
 * `heartbeatMs`; a socket that has not answered the previous one by then is closed (4002): only the
 * client's pongs count, never what the server sent.
 */
export function openConnection(socket: WebSocket, identified: Identified, deps: ConnectionDeps): RealtimeConnection {
  const { hub, service, limits } = deps;
  let isClosing = false;
  let hasAnsweredPing = true;
  let tokens = limits.framesPerSecond;
  let refilledAt = Date.now();
  let refusedInARow = 0;
  let queue: Promise<void> = Promise.resolve();
  let lastFrameBytes = 0;

  const connection: RealtimeConnection = {
    id: newId(),
    actor: identified.actor,
    credential: identified.credential,
    send(frame: ServerFrame) {
      if (isClosing || socket.readyState !== socket.OPEN) return;
      // The frame sent last is not held against the client: one large frame (a long stored reply in a
      // replay) is not a slow reader; frames piling up behind it are.
      if (socket.bufferedAmount - lastFrameBytes > limits.bufferMaxBytes) {
        connection.close(closeCodes.slowReader, 'Too slow reading: reconnect and resume with after');
        return;
      }
      const bytes = bytesOf(frame);
      lastFrameBytes = bytes.length;
      socket.send(bytes, { binary: false });
    },
    close(code: number, reason: string) {
      if (isClosing) return;
      isClosing = true;
      hub.remove(connection);
      socket.close(code, reason);
      setTimeout(() => socket.terminate(), closeGraceMs).unref();
    },
  };

  const refuse = (code: FrameErrorCode, message: string, id?: string) =>
    connection.send({ type: 'error', ...(id !== undefined && { id }), code, message });

  /** A token bucket of `framesPerSecond`; a client that keeps sending past it is closed (4008). */
  function isWithinRate(): boolean {
    const now = Date.now();
    tokens = Math.min(limits.framesPerSecond, tokens + ((now - refilledAt) / 1000) * limits.framesPerSecond);
    refilledAt = now;
    if (tokens >= 1) {
      tokens -= 1;
      refusedInARow = 0;
      return true;
    }
    if (++refusedInARow > limits.framesPerSecond) {
      connection.close(closeCodes.limits, 'Too many frames: slow down and reconnect');
    }
    return false;
  }

  async function handle(frame: ClientFrame): Promise<ServerFrame | undefined> {
    switch (frame.type) {
      case 'subscribe':
        return service.subscribe(connection, frame);
      case 'unsubscribe':
        return service.unsubscribe(connection, frame);
      case 'send':
        return service.send(connection, frame);
      case 'stop':
        return service.stop(connection, frame);
      case 'retry':
        return service.retry(connection, frame);
      case 'approve':
        return service.approve(connection, frame);
      case 'typing':
        await service.typing(connection, frame);
        return undefined;
      case 'ping':
        return { type: 'pong', ...(frame.id !== undefined && { id: frame.id }) };
    }
  }

  /**
   * The id of a frame dropped for its rate, when it has one: a client waiting for that frame's answer
   * learns it will not come. The frame is within the size limit, so reading it costs no more than a
   * frame handled.
   */
  function idOfDropped(data: RawData, isBinary: boolean): string | undefined {
    if (isBinary || sizeOf(data) > limits.frameMaxBytes) return undefined;
    try {
      const id = (JSON.parse(textOf(data)) as { id?: unknown } | null)?.id;
      return typeof id === 'string' ? id : undefined;
    } catch {
      return undefined;
    }
  }

  function read(data: RawData, isBinary: boolean): ClientFrame | undefined {
    const size = sizeOf(data);
    if (size > limits.frameMaxBytes) {
      refuse(
        'too_large',
        `A frame may be at most ${limits.frameMaxBytes} bytes (REALTIME_FRAME_MAX_BYTES); this one was ${size}`,
      );
      return undefined;
    }
    if (isBinary) {
      refuse('bad_frame', 'Frames are JSON text; binary frames are not accepted');
      return undefined;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(textOf(data));
    } catch {
      refuse('bad_frame', 'The frame is not valid JSON; send one JSON object per frame, such as {"type":"ping"}');
      return undefined;
    }
    const id = typeof (parsed as { id?: unknown } | null)?.id === 'string' ? (parsed as { id: string }).id : undefined;
    const type = (parsed as { type?: unknown } | null)?.type;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || typeof type !== 'string') {
      refuse('bad_frame', 'A frame is a JSON object with a "type", such as {"type":"ping"}', id);
      return undefined;
    }
    if (!(clientFrameTypes as readonly string[]).includes(type)) {
      refuse(
        'unknown_type',
        `Unknown frame type '${type.slice(0, 50)}'; the types are ${clientFrameTypes.join(', ')}`,
        id,
      );
      return undefined;
    }
    const result = clientFrameSchema.safeParse(parsed);
    if (!result.success) {
      const problems = result.error.issues.map((issue) => {
        const field = issue.path.join('.') || 'frame';
        return issue.code === 'unrecognized_keys'
          ? `${field}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`
          : `${field}: ${issue.message}`;
      });
      refuse('validation', `The ${type} frame is not valid: ${problems.join('; ')}`, id);
      return undefined;
    }
    return result.data;
  }

  socket.on('message', (data, isBinary) => {
    if (isClosing) return;
    if (!isWithinRate()) {
      refuse(
        'rate_limited',
        `At most ${limits.framesPerSecond} frames a second (REALTIME_FRAMES_PER_SECOND); this one was dropped: send it again`,
        idOfDropped(data, isBinary),
      );
      return;
    }
    const frame = read(data, isBinary);
    if (!frame) return;
    // One frame at a time, in order: a `send` after a `subscribe` finds the subscription made.
    queue = queue.then(async () => {
      try {
        const answer = await handle(frame);
        if (answer) connection.send(answer);
      } catch (error) {
        if (error instanceof AppError) return refuse(frameCodeOf(error), error.message, frame.id);
        deps.logger.error({ err: error, frameType: frame.type }, 'realtime frame failed');
        refuse('internal', 'The frame could not be handled; try again, and quote the time when reporting it', frame.id);
      }
    });
  });

  socket.on('pong', () => (hasAnsweredPing = true));
  const beat = () => {
    if (!hasAnsweredPing) {
      connection.close(closeCodes.heartbeatTimeout, 'No answer to the heartbeat: reconnect and resume with after');
      return;
    }
    hasAnsweredPing = false;
    socket.ping();
  };
  deps.heartbeat.join(beat);
  // ws reports a broken frame or connection here, then closes the socket: the close below tidies up.
  socket.on('error', () => undefined);
  socket.on('close', () => {
    deps.heartbeat.leave(beat);
    isClosing = true;
    hub.remove(connection);
  });

  hub.add(connection);
  connection.send({
    type: 'hello',
    version: protocolVersion,
    connectionId: connection.id,
    userId: identified.actor.userId,
    tenantId: identified.actor.tenantId,
    heartbeatMs: limits.heartbeatMs,
    limits: {
      subscriptionsPerConnection: limits.subscriptionsPerConnection,
      frameMaxBytes: limits.frameMaxBytes,
      framesPerSecond: limits.framesPerSecond,
    },
  });
  return connection;
}
