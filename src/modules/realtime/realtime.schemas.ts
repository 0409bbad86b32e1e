import { z } from 'zod';
import { fileIdsSchema } from '../files/files.schemas.js';

/** The protocol's version, sent in `hello`; a change that breaks clients gets a new one. */
export const protocolVersion = 1;

/** The client's own id for a frame, echoed in the answer (`accepted`, `ok`, `error`…). */
const frameId = z.string().min(1).max(100).optional();
const conversationId = z.uuid({ error: 'must be a conversation id (a UUID)' });
const messageId = z.uuid({ error: 'must be a message id (a UUID)' });
/** A seq the client saw last: what it already has; everything after it is replayed. */
const seq = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** Every frame a client may send, told apart by `type`; any other field is refused, as over HTTP. */
export const clientFrameSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('subscribe'), id: frameId, conversationId, after: seq.optional() }),
  z.strictObject({ type: z.literal('unsubscribe'), id: frameId, conversationId }),
  z.strictObject({
    type: z.literal('send'),
    id: frameId,
    conversationId,
    content: z.string().trim().min(1, 'must not be empty').max(100_000),
    files: fileIdsSchema.optional(),
    /** The client's id for this message: a resend with the same one (after a reconnect) makes one message. */
    clientMessageId: z.string().min(1).max(200),
  }),
  z.strictObject({ type: z.literal('stop'), id: frameId, conversationId, messageId: messageId.optional() }),
  z.strictObject({ type: z.literal('retry'), id: frameId, conversationId, messageId }),
  z.strictObject({
    type: z.literal('approve'),
    id: frameId,
    conversationId,
    messageId: messageId.optional(),
    toolCallId: z.string().min(1).max(200),
    approved: z.boolean(),
    reason: z.string().max(2000).optional(),
  }),
  z.strictObject({ type: z.literal('typing'), id: frameId, conversationId }),
  z.strictObject({ type: z.literal('ping'), id: frameId }),
]);
export type ClientFrame = z.infer<typeof clientFrameSchema>;
export const clientFrameTypes = clientFrameSchema.options.map((option) => option.shape.type.value);

/** The codes of an `error` frame; each comes with a sentence a person can act on. */
export type FrameErrorCode =
  | 'bad_frame'
  | 'unknown_type'
  | 'too_large'
  | 'rate_limited'
  | 'not_found'
  | 'forbidden'
  | 'validation'
  | 'limit'
  | 'conflict'
  | 'not_ready'
  | 'storage_full'
  | 'unprocessable'
  | 'internal'
  /** Sent unasked, with `conversationId`: the socket's role changed and may no longer watch it. */
  | 'subscription_ended';

/** Close codes, each saying why the server ended the socket (docs/realtime.md). */
export const closeCodes = {
  serverStopping: 1001,
  policy: 1008,
  tooLarge: 1009,
  credentialsEnded: 4001,
  heartbeatTimeout: 4002,
  limits: 4008,
  slowReader: 4009,
} as const;

/** A server frame: JSON with a `type`; events of a conversation carry `conversationId` and `seq`. */
export type ServerFrame = { readonly type: string } & Record<string, unknown>;

export const ticketSchema = z.object({
  ticket: z.string(),
  expiresAt: z.iso.datetime(),
});
