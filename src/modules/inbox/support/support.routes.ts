import { z } from 'zod';
import { tenantAdminAccess } from '../../../access/require-access.js';
import { idParams, noContent } from '../../../platform/http/common-schemas.js';
import { actorOf, type App } from '../../../platform/http/types.js';
import {
  cannedResponseListSchema,
  cannedResponseSchema,
  createCannedResponseBody,
  updateCannedResponseBody,
  type CannedResponsesService,
} from '../desk/canned-responses.js';
import {
  contactPageSchema,
  contactSchema,
  contactSearchQuery,
  createContactBody,
  updateContactBody,
} from '../contacts/contacts.schemas.js';
import type { ContactDataService } from '../contacts/contact-data.service.js';
import type { ContactsService } from '../contacts/contacts.service.js';
import { supportDeskAccess } from './support-access.js';
import type { SupportAction } from './support-status.js';
import {
  createSupportConversationBody,
  labelsBody,
  noteBody,
  noteListSchema,
  noteSchema,
  operatorBody,
  reasonBody,
  snoozeBody,
  supportConversationPageSchema,
  teamBody,
  supportConversationSchema,
  supportEventListSchema,
  supportListQuery,
  updateSupportConversationBody,
} from './support.schemas.js';
import type { SupportService } from './support.service.js';

const security = [{ bearer: [] }];
const config = { access: supportDeskAccess };

export interface SupportRoutesServices {
  readonly contacts: ContactsService;
  readonly contactData: ContactDataService;
  readonly support: SupportService;
  readonly cannedResponses: CannedResponsesService;
}

const contactExportSchema = z
  .looseObject({
    exportedAt: z.iso.datetime(),
    contact: contactSchema,
    conversations: z.array(z.looseObject({ id: z.uuid(), messages: z.array(z.looseObject({})) })),
    memories: z.array(z.looseObject({ content: z.string() })),
  })
  .describe(
    'Everything stored of the contact: details, support conversations with messages, rating and notes, memories',
  );
const contactErasureSchema = z.object({
  contact: contactSchema,
  erased: z
    .object({
      messages: z.number(),
      aiReplies: z.number().describe("The AI's replies that repeated the contact's words, rewritten without them"),
      files: z.number(),
      notes: z.number(),
      memories: z.number(),
      webhookEvents: z.number(),
    })
    .describe('How many of each were erased (0 when erased before)'),
});

export function registerContactsRoutes(app: App, { contacts, contactData, support }: SupportRoutesServices): void {
  const tags = ['contacts'];
  app.get('/v1/contacts', {
    config,
    schema: {
      tags,
      security,
      summary: 'List or search contacts (start of name, email, phone or external id)',
      querystring: contactSearchQuery,
      response: { 200: contactPageSchema },
    },
    handler: (request) => contacts.list(actorOf(request), request.query),
  });
  app.post('/v1/contacts', {
    config,
    schema: { tags, security, summary: 'Create a contact', body: createContactBody, response: { 201: contactSchema } },
    handler: async (request, reply) => reply.status(201).send(await contacts.create(actorOf(request), request.body)),
  });
  app.get('/v1/contacts/:id', {
    config,
    schema: { tags, security, summary: 'Get a contact', params: idParams, response: { 200: contactSchema } },
    handler: (request) => contacts.get(actorOf(request), request.params.id),
  });
  app.patch('/v1/contacts/:id', {
    config,
    schema: {
      tags,
      security,
      summary: 'Change a contact',
      params: idParams,
      body: updateContactBody,
      response: { 200: contactSchema },
    },
    handler: (request) => contacts.update(actorOf(request), request.params.id, request.body),
  });
  app.get('/v1/contacts/:id/export', {
    config: { access: tenantAdminAccess },
    schema: {
      tags,
      security,
      summary: "Export all of a contact's data as one JSON file (a data subject's access request); admins only",
      params: idParams,
      response: { 200: contactExportSchema },
    },
    handler: async (request, reply) => {
      const exported = await contactData.export(actorOf(request), request.params.id);
      return reply
        .header('content-disposition', `attachment; filename="contact-${request.params.id}.json"`)
        .send(exported);
    },
  });
  app.post('/v1/contacts/:id/erase', {
    config: { access: tenantAdminAccess },
    schema: {
      tags,
      security,
      summary:
        "Erase a contact's data on request: messages read 'erased', details, memories, notes and attachments go; totals stay. Admins only",
      params: idParams,
      response: { 200: contactErasureSchema },
    },
    handler: (request) => contactData.erase(actorOf(request), request.params.id),
  });
  app.get('/v1/contacts/:id/conversations', {
    config,
    schema: {
      tags,
      security,
      summary: "The contact's support conversations across inboxes, newest first",
      params: idParams,
      response: { 200: z.object({ items: z.array(supportConversationSchema) }) },
    },
    handler: (request) => support.listOfContact(actorOf(request), request.params.id),
  });
}

/** The operator actions, each one state-machine transition (support-status.ts). */
const actionRoutes: readonly { action: SupportAction; summary: string }[] = [
  { action: 'take', summary: 'Take a waiting conversation yourself (409 if someone else took it first)' },
  { action: 'resolve', summary: 'Resolve a conversation' },
  { action: 'reopen', summary: 'Reopen a resolved or snoozed conversation' },
];

export function registerSupportConversationsRoutes(app: App, { support }: SupportRoutesServices): void {
  const tags = ['support'];
  const base = '/v1/support-conversations';
  app.get(base, {
    config,
    schema: {
      tags,
      security,
      summary: 'The queue: support conversations, longest waiting first',
      querystring: supportListQuery,
      response: { 200: supportConversationPageSchema },
    },
    handler: (request) => support.list(actorOf(request), request.query),
  });
  app.post(base, {
    config,
    schema: {
      tags,
      security,
      summary: "Open a support conversation for a contact in an inbox (with the inbox's AI: bot, else pending)",
      body: createSupportConversationBody,
      response: { 201: supportConversationSchema },
    },
    handler: async (request, reply) => reply.status(201).send(await support.create(actorOf(request), request.body)),
  });
  app.get(`${base}/:id`, {
    config,
    schema: {
      tags,
      security,
      summary: 'Get a support conversation',
      params: idParams,
      response: { 200: supportConversationSchema },
    },
    handler: (request) => support.get(actorOf(request), request.params.id),
  });
  app.patch(`${base}/:id`, {
    config,
    schema: {
      tags,
      security,
      summary: "Change a conversation's priority or team (its status changes through the actions below)",
      params: idParams,
      body: updateSupportConversationBody,
      response: { 200: supportConversationSchema },
    },
    handler: (request) => support.update(actorOf(request), request.params.id, request.body),
  });
  for (const { action, summary } of actionRoutes) {
    app.post(`${base}/:id/${action}`, {
      config,
      schema: {
        tags,
        security,
        summary,
        params: idParams,
        body: reasonBody,
        response: { 200: supportConversationSchema },
      },
      handler: (request) => support.act(actorOf(request), request.params.id, { action, reason: request.body.reason }),
    });
  }
  for (const action of ['assign', 'transfer'] as const) {
    app.post(`${base}/:id/${action}`, {
      config,
      schema: {
        tags,
        security,
        summary:
          action === 'assign'
            ? 'Give a waiting conversation to an operator'
            : 'Hand an assigned conversation to another operator',
        params: idParams,
        body: operatorBody,
        response: { 200: supportConversationSchema },
      },
      handler: (request) =>
        support.act(actorOf(request), request.params.id, {
          action,
          operatorId: request.body.operatorId,
          reason: request.body.reason,
        }),
    });
  }
  app.post(`${base}/:id/transfer-team`, {
    config,
    schema: {
      tags,
      security,
      summary:
        "Move a conversation to a team's queue: whoever had it lets go, and it waits there (round-robin may give it to a member)",
      params: idParams,
      body: teamBody,
      response: { 200: supportConversationSchema },
    },
    handler: (request) =>
      support.act(actorOf(request), request.params.id, {
        action: 'transfer_team',
        teamId: request.body.teamId,
        reason: request.body.reason,
      }),
  });
  app.post(`${base}/:id/snooze`, {
    config,
    schema: {
      tags,
      security,
      summary: 'Snooze an assigned conversation until a time; it then opens again',
      params: idParams,
      body: snoozeBody,
      response: { 200: supportConversationSchema },
    },
    handler: (request) =>
      support.act(actorOf(request), request.params.id, {
        action: 'snooze',
        snoozedUntil: new Date(request.body.until),
        reason: request.body.reason,
      }),
  });
  app.get(`${base}/:id/events`, {
    config,
    schema: {
      tags,
      security,
      summary: 'Every status change: who, from, to, why, when',
      params: idParams,
      response: { 200: supportEventListSchema },
    },
    handler: (request) => support.events(actorOf(request), request.params.id),
  });
  app.get(`${base}/:id/notes`, {
    config,
    schema: {
      tags,
      security,
      summary: "Operators' private notes",
      params: idParams,
      response: { 200: noteListSchema },
    },
    handler: (request) => support.notes(actorOf(request), request.params.id),
  });
  app.post(`${base}/:id/notes`, {
    config,
    schema: {
      tags,
      security,
      summary: 'Add a private note (never shown to the contact nor given to a model)',
      params: idParams,
      body: noteBody,
      response: { 201: noteSchema },
    },
    handler: async (request, reply) =>
      reply.status(201).send(await support.addNote(actorOf(request), request.params.id, request.body.body)),
  });
  app.put(`${base}/:id/labels`, {
    config,
    schema: {
      tags,
      security,
      summary: "Replace the conversation's labels",
      params: idParams,
      body: labelsBody,
      response: { 200: supportConversationSchema },
    },
    handler: (request) => support.setLabels(actorOf(request), request.params.id, request.body.labels),
  });
}

export function registerCannedResponsesRoutes(app: App, { cannedResponses }: SupportRoutesServices): void {
  const tags = ['canned-responses'];
  app.get('/v1/canned-responses', {
    config,
    schema: {
      tags,
      security,
      summary: "The tenant's canned responses, by shortcode",
      response: { 200: cannedResponseListSchema },
    },
    handler: (request) => cannedResponses.list(actorOf(request)),
  });
  app.post('/v1/canned-responses', {
    config: { access: tenantAdminAccess },
    schema: {
      tags,
      security,
      summary: 'Create a canned response',
      body: createCannedResponseBody,
      response: { 201: cannedResponseSchema },
    },
    handler: async (request, reply) =>
      reply.status(201).send(await cannedResponses.create(actorOf(request), request.body)),
  });
  app.patch('/v1/canned-responses/:id', {
    config: { access: tenantAdminAccess },
    schema: {
      tags,
      security,
      summary: 'Change a canned response',
      params: idParams,
      body: updateCannedResponseBody,
      response: { 200: cannedResponseSchema },
    },
    handler: (request) => cannedResponses.update(actorOf(request), request.params.id, request.body),
  });
  app.delete('/v1/canned-responses/:id', {
    config: { access: tenantAdminAccess },
    schema: { tags, security, summary: 'Delete a canned response', params: idParams, response: { 204: noContent } },
    handler: async (request, reply) => {
      await cannedResponses.remove(actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  });
}
