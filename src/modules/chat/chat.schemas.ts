import { createHash } from 'node:crypto';
import { z } from 'zod';
import { messageSchema } from '../conversations/messages.schemas.js';
import { fileIdsSchema } from '../files/files.schemas.js';

export const maxMessageChars = 32_000;

const messageContent = z
  .string()
  .max(maxMessageChars, `must be at most ${maxMessageChars} characters`)
  .refine((text) => text.trim().length > 0, 'must not be empty');

/** The parts of an AI SDK UI message we read: `useChat` posts the whole list; only the last one is new. */
const uiMessage = z.object({
  role: z.enum(['user', 'assistant', 'system']),
  parts: z.array(z.object({ type: z.string().max(100), text: z.string().max(maxMessageChars).optional() })).max(100),
});

/**
 * `{ content }`, or the body `useChat` (`DefaultChatTransport`) sends as is: `{ id, messages, trigger,
 * messageId }`. History always comes from the stored conversation, never from the client. Other fields
 * are refused, as on every route.
 */
export const sendMessageBody = z
  .strictObject({
    content: messageContent.optional(),
    messages: z.array(uiMessage).max(1000).optional(),
    /** Files from POST /v1/files, given to the model with the message. */
    fileIds: fileIdsSchema.optional(),
    /** useChat's chat id, trigger and message id: read only to refuse a regenerate, which has its own route. */
    id: z.string().max(200).optional(),
    trigger: z
      .enum(['submit-message', 'regenerate-message'])
      .refine(
        (trigger) => trigger === 'submit-message',
        'regenerating is POST /v1/conversations/:id/messages/:messageId/retry, for a reply that failed',
      )
      .optional(),
    messageId: z.string().max(200).optional(),
  })
  .transform((body, context) => {
    // The error names the field the client sent: a useChat body never had a `content`.
    const field = body.content === undefined && body.messages !== undefined ? 'messages' : 'content';
    if (body.content !== undefined && body.messages !== undefined) {
      context.addIssue({ code: 'custom', path: ['messages'], message: 'send content or messages, not both' });
      return z.NEVER;
    }
    const content = body.content ?? lastUserText(body.messages);
    const parsed = messageContent.safeParse(content);
    if (parsed.success) {
      return {
        content: parsed.data,
        ...(body.fileIds?.length && { fileIds: body.fileIds }),
        // A stock useChat sends no Accept header, yet reads the reply as a stream (chat.routes.ts).
        ...(body.messages && { isUseChatRequest: true }),
      };
    }
    const issue = parsed.error.issues[0];
    const missing =
      field === 'messages'
        ? "must end with the user's message, with its text in text parts (as useChat sends it)"
        : 'send the message as content (a string), or a useChat body as messages';
    context.addIssue({
      code: 'custom',
      path: [field],
      message:
        content === undefined || (field === 'messages' && !content.trim()) ? missing : (issue?.message ?? 'is invalid'),
    });
    return z.NEVER;
  });
export type SendMessageInput = z.infer<typeof sendMessageBody>;

function lastUserText(messages: z.infer<typeof uiMessage>[] | undefined): string | undefined {
  const last = messages?.at(-1);
  if (last?.role !== 'user') return undefined;
  return last.parts.map((part) => (part.type === 'text' ? (part.text ?? '') : '')).join('');
}

/** `/v1/conversations/:id/messages/:messageId/retry` */
/** A reply of a conversation: retried, stopped, or deciding its tool calls. */
export const replyParams = z.object({
  id: z.uuid(),
  messageId: z.uuid('must be a message id (a UUID)'),
});

export const sendMessageResultSchema = z.object({ userMessage: messageSchema, assistantMessage: messageSchema });

/** What makes two requests "the same" for an Idempotency-Key: the conversation, the content and the files. */
export function requestFingerprint(conversationId: string, input: SendMessageInput): string {
  const request = input.fileIds ? [conversationId, input.content, input.fileIds] : [conversationId, input.content];
  return createHash('sha256').update(JSON.stringify(request)).digest('base64url');
}

/** `/v1/conversations/:id/messages/:messageId/tool-approvals` */

export const toolApprovalBody = z.strictObject({
  toolCallId: z.string().min(1).max(200),
  approved: z.boolean(),
  /** Told to the model when the call is denied. */
  reason: z.string().trim().max(1000).optional(),
});
