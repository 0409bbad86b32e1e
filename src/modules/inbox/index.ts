import type { Database } from '../../platform/db/client.js';
import type { App } from '../../platform/http/types.js';
import type { ServerKeys } from '../../platform/secrets.js';
import type { WebhookEvents } from '../webhooks/index.js';
import { createCannedResponsesRepository, createCannedResponsesService } from './canned-responses.js';
import { createContactsRepository } from './contacts.repository.js';
import { createContactsService } from './contacts.service.js';
import { createInboxesRepository } from './inboxes.repository.js';
import { registerInboxesRoutes } from './inboxes.routes.js';
import { createInboxesService } from './inboxes.service.js';
import {
  registerCannedResponsesRoutes,
  registerContactsRoutes,
  registerSupportConversationsRoutes,
} from './support.routes.js';
import { createSupportRepository } from './support.repository.js';
import { createSupportService } from './support.service.js';

export interface InboxModuleDeps {
  readonly db: Database;
  readonly keys: Pick<ServerKeys, 'credentialsKey'>;
  readonly events?: WebhookEvents;
}

/** The customer-service desk: inboxes, contacts, support conversations with their states, notes, canned responses. */
export function createInboxModule(deps: InboxModuleDeps) {
  const inboxes = createInboxesService({
    db: deps.db,
    repository: createInboxesRepository(),
    credentialsKey: deps.keys.credentialsKey,
  });
  const contacts = createContactsService({ db: deps.db, repository: createContactsRepository(), events: deps.events });
  const support = createSupportService({
    db: deps.db,
    repository: createSupportRepository(),
    inboxes,
    contacts,
    events: deps.events,
  });
  const cannedResponses = createCannedResponsesService({
    db: deps.db,
    repository: createCannedResponsesRepository(),
  });
  const services = { inboxes, contacts, support, cannedResponses };
  return {
    ...services,
    registerRoutes(app: App): void {
      registerInboxesRoutes(app, inboxes);
      registerContactsRoutes(app, services);
      registerSupportConversationsRoutes(app, services);
      registerCannedResponsesRoutes(app, services);
    },
  };
}

export type { InboxesService } from './inboxes.service.js';
export type { SupportService } from './support.service.js';
