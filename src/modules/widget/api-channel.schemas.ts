import { z } from 'zod';
import { sendMessageResultSchema } from './widget.schemas.js';

export const apiInboxParams = z.strictObject({ id: z.uuid('must be an inbox id (UUID)') });
export const apiConversationParams = z.strictObject({
  id: z.uuid('must be an inbox id (UUID)'),
  conversationId: z.uuid('must be a support conversation id (UUID)'),
});

export const apiContactBody = z
  .strictObject({
    /** Parley's id of an existing contact of the tenant. */
    id: z.uuid('must be a contact id (UUID)').optional(),
    /** Your own id of the person (a phone number, an e-mail address, your user id): made a contact on first sight. */
    externalId: z.string().trim().min(1, 'must not be empty').max(200).optional(),
    name: z.string().trim().min(1).max(200).optional(),
    email: z.email('must be an email address').max(320).optional(),
    phone: z
      .string()
      .trim()
      .regex(/^\+?[0-9 ().-]{3,40}$/, "must be a phone number such as '+49 30 1234567'")
      .optional(),
  })
  .refine((contact) => (contact.id === undefined) !== (contact.externalId === undefined), {
    message: 'name the contact by exactly one of id (a Parley contact) or externalId (your own id)',
  })
  .describe('Who wrote: name, email and phone are used when an externalId is seen the first time');
export type ApiContactInput = z.infer<typeof apiContactBody>;

export const apiPostMessageBody = z.strictObject({
  contact: apiContactBody,
  content: z.string().trim().min(1, 'must not be empty').max(4000),
  /** Your system's id of this message: a retry with the same one stores nothing new. */
  messageId: z.string().trim().min(1, 'must not be empty').max(200),
});
export type ApiPostMessageInput = z.infer<typeof apiPostMessageBody>;

export const apiPostMessageResultSchema = sendMessageResultSchema.extend({
  contact: z.object({ id: z.uuid(), externalId: z.string().nullable() }),
});
