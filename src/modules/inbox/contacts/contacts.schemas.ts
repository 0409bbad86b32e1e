import { z } from 'zod';
import { pageOf, patchBody } from '../../../platform/http/common-schemas.js';
import { contactEmailSources, type contacts } from '../../../platform/db/schema/support.js';
import { visitorNameOf } from './visitor-names.js';

const maxAttributes = 50;
const maxAttributesBytes = 16_384;

/** Flat key → value pairs the tenant keeps about a contact (plan, company, order count), bounded. */
const attributesSchema = z
  .record(
    z.string().min(1).max(100),
    z.union([z.string().max(1000), z.number(), z.boolean(), z.null()], {
      error: 'each attribute must be a string (up to 1000 characters), number, boolean or null',
    }),
    'must be an object of names to values',
  )
  .refine((value) => Object.keys(value).length <= maxAttributes, `can hold at most ${maxAttributes} attributes`)
  .refine(
    (value) => Buffer.byteLength(JSON.stringify(value)) <= maxAttributesBytes,
    `must be at most ${maxAttributesBytes} bytes as JSON`,
  );

const nameSchema = z.string().trim().min(1).max(200);
const emailSchema = z.email('must be an email address').max(320);
const phoneSchema = z
  .string()
  .trim()
  .regex(/^\+?[0-9 ().-]{3,40}$/, "must be a phone number such as '+49 30 1234567'");
const externalIdSchema = z.string().trim().min(1).max(200);

export const createContactBody = z.strictObject({
  name: nameSchema.nullable().default(null),
  email: emailSchema.nullable().default(null),
  phone: phoneSchema.nullable().default(null),
  externalId: externalIdSchema.nullable().default(null),
  attributes: attributesSchema.default({}),
});
export type CreateContactInput = z.infer<typeof createContactBody>;

export const updateContactBody = patchBody({
  name: nameSchema.nullable().optional(),
  email: emailSchema.nullable().optional(),
  phone: phoneSchema.nullable().optional(),
  externalId: externalIdSchema.nullable().optional(),
  attributes: attributesSchema.optional(),
});
export type UpdateContactInput = z.infer<typeof updateContactBody>;

export const contactSearchQuery = z
  .strictObject({
    q: z.string().trim().min(1).max(200).optional().describe('Start of a name, email, phone number or external id'),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().max(200).optional(),
  })
  .describe('Contacts newest first; with q, those whose name, email, phone or external id starts with it');

export const contactSchema = z.object({
  id: z.uuid(),
  name: z.string().nullable(),
  displayName: z
    .string()
    .describe(
      'The name to show: the name, else the email, phone or external id, else a readable made-up one ("Gentle Otter")',
    ),
  email: z.string().nullable(),
  emailSource: z
    .enum(contactEmailSources)
    .nullable()
    .describe(
      'How the address is known: `tenant` (entered by your people or system), `verified` (signed by your site), `mail` (mail came from it), `visitor` (typed into the widget) or `unverified_mail` (named by mail your mail server failed). Mail joins only a contact whose address is `tenant`, `verified` or `mail`',
    ),
  phone: z.string().nullable(),
  externalId: z.string().nullable(),
  attributes: z.record(z.string(), z.unknown()),
  firstSeenAt: z.iso.datetime(),
  lastSeenAt: z.iso.datetime(),
  visitor: z
    .object({
      page: z.string().optional(),
      referrer: z.string().optional(),
      language: z.string().optional(),
      timeZone: z.string().optional(),
      browser: z.string().optional().describe('From the User-Agent, e.g. "Chrome 131 on Windows"'),
      isVerified: z.boolean().describe("Whether the widget's session proved the contact's id (identity verification)"),
      seenAt: z.iso.datetime(),
    })
    .nullable()
    .describe('What the widget last knew of the visitor; null for contacts that never used the widget'),
  erasedAt: z.iso.datetime().nullable().describe("When the contact's data was erased on request; null if never"),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type ContactView = z.infer<typeof contactSchema>;
export const contactPageSchema = pageOf(contactSchema);

export const presentContact = (contact: typeof contacts.$inferSelect): ContactView => ({
  id: contact.id,
  name: contact.name,
  displayName: contact.name ?? contact.email ?? contact.phone ?? contact.externalId ?? visitorNameOf(contact.id),
  email: contact.email,
  emailSource: contact.emailSource,
  phone: contact.phone,
  externalId: contact.externalId,
  attributes: contact.attributes,
  firstSeenAt: contact.firstSeenAt.toISOString(),
  lastSeenAt: contact.lastSeenAt.toISOString(),
  visitor: contact.visitor ?? null,
  erasedAt: contact.erasedAt?.toISOString() ?? null,
  createdAt: contact.createdAt.toISOString(),
  updatedAt: contact.updatedAt.toISOString(),
});
