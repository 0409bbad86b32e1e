import type { AddressInfo } from 'node:net';
import type { Database, Executor } from '../../platform/db/client.js';
import type { JobQueue } from '../../platform/jobs/index.js';
import type { Logger } from '../../platform/logger.js';
import type { Config } from '../../config.js';
import type { FilesService } from '../files/index.js';
import type { StoredContact } from '../inbox/contacts/contacts.repository.js';
import type { WidgetRepository } from '../widget/widget.repository.js';
import type { WidgetService } from '../widget/widget.service.js';
import { createEmailInbound } from './email-inbound.service.js';
import type { EmailListener } from './email-listener.js';
import { createEmailOutbox, sendEmailJobName, type SendEmailJob } from './email-outbox.js';
import { createEmailSender } from './email-sender.js';
import { createEmailRepository } from './email.repository.js';
import { createEmailNoticesRepository } from './email-notices.repository.js';
import { createRatingLinks } from './mail-rating-links.js';
import { registerMailRatingRoutes } from './mail-rating.routes.js';
import { createMailRating } from './mail-rating.service.js';
import { createRatingRequests } from './rating-requests.js';
import type { App } from '../../platform/http/types.js';
import type { ServerKeys } from '../../platform/secrets.js';

export interface EmailModuleDeps {
  readonly db: Database;
  readonly logger: Logger;
  readonly config: Pick<Config, 'email' | 'publicUrl' | 'widgetRateLimitPerMinute'>;
  readonly jobs: Pick<JobQueue, 'send' | 'register'>;
  /** Rating links are signed under a key derived from the credentials key (mail-rating-links.ts). */
  readonly keys: Pick<ServerKeys, 'credentialsKey'>;
}

/** A failed send is tried again this many times, 30 s, 1 min, 2 min… apart (about two hours in all). */
const sendRetryLimit = 8;
const sendRetryDelaySeconds = 30;

/**
 * The email channel (docs/customer-service.md, "The email inbox"). Built in two steps: the outbox first
 * (a reader of the conversations' log), then the inbound side, once the widget's path it sends contacts'
 * mail through exists.
 */
export function createEmailModule(deps: EmailModuleDeps) {
  const { db, logger, config } = deps;
  const repository = createEmailRepository();
  const notices = createEmailNoticesRepository();
  const ratingLinks = createRatingLinks({ credentialsKey: deps.keys.credentialsKey, publicUrl: config.publicUrl });
  const ratingRequests = createRatingRequests({ db, repository: notices });
  const outbox = createEmailOutbox({ db, repository, jobs: deps.jobs, logger });
  const sender = createEmailSender({
    db,
    repository,
    logger,
    smtp: { url: config.email.smtpUrl, requireTls: config.email.requireTls, verifyTls: config.email.verifyTls },
    retryLimit: sendRetryLimit,
    ratingLinks,
  });
  let listener: EmailListener | undefined;
  let sweepTimer: NodeJS.Timeout | undefined;

  return {
    /** The log's reader that mails replies in email conversations (conversation-log-feed.ts). */
    replyMails: () => outbox.replyMails(),
    /** Whether the tenant has an email inbox (cached): its stored messages nudge the reader. */
    hasEmailInbox: (tenantId: string) => outbox.hasEmailInbox(tenantId),
    /** The tenant's inboxes changed on some node (the invalidation bus: `inboxes`). */
    forgetEmailTenant: (tenantId: string) => outbox.noteEmailTenant(tenantId),

    registerJobs(): void {
      deps.jobs.register<SendEmailJob>(sendEmailJobName, (data, job) => sender.send(data, job), {
        retryLimit: sendRetryLimit,
        retryDelaySeconds: sendRetryDelaySeconds,
      });
    },

    /**
     * Queues replies a node that stopped left unqueued, and writes the rating requests of new resolutions,
     * now and every `intervalMs`.
     */
    startSweep(intervalMs: number): void {
      const run = () => {
        void outbox.sweep().catch((error: unknown) => logger.warn({ err: error }, 'The email outbox sweep failed'));
        void ratingRequests
          .sweep()
          .catch((error: unknown) => logger.warn({ err: error }, 'The rating requests sweep failed'));
      };
      run();
      sweepTimer = setInterval(run, intervalMs);
      sweepTimer.unref();
    },

    sweepWaiting: () => outbox.sweep(),
    /** One pass of the rating requests' sweep now (tests; nodes run it with the outbox's). */
    sweepRatingRequests: () => ratingRequests.sweep(),

    /** The public rating page, rating through the widget's path. */
    registerRatingRoutes(
      app: App,
      widgetSide: {
        readonly widget: Pick<WidgetService, 'rate'>;
        readonly widgetRepository: Pick<WidgetRepository, 'findInbox' | 'findRating'>;
      },
    ): void {
      const rating = createMailRating({ db, notices, links: ratingLinks, ...widgetSide });
      registerMailRatingRoutes(app, { rating, perMinute: config.widgetRateLimitPerMinute });
    },

    /** The SMTP listener, when EMAIL_SMTP_PORT is set; smtp-server and mailparser load only then. */
    async startListener(inboundDeps: {
      readonly widget: Pick<WidgetService, 'create' | 'send' | 'widgetActor'>;
      readonly widgetRepository: Pick<WidgetRepository, 'insertContact'>;
      readonly files: Pick<FilesService, 'upload' | 'remove'>;
      readonly recordContactCreated?: (tx: Executor, contact: StoredContact) => Promise<void>;
    }): Promise<AddressInfo | undefined> {
      if (config.email.listenPort === undefined) return undefined;
      const { createEmailListener } = await import('./email-listener.js');
      const inbound = createEmailInbound({
        db,
        repository,
        notices,
        logger,
        ...inboundDeps,
        onEmailTenant: (tenantId) => outbox.noteEmailTenant(tenantId),
      });
      listener = createEmailListener({
        findInbox: (address) => repository.findRoutedInbox(db, address),
        inbound,
        logger,
        host: config.email.listenHost,
        port: config.email.listenPort,
        maxBytes: config.email.maxBytes,
      });
      return listener.start();
    },

    listenerAddress: (): AddressInfo | undefined => listener?.address(),

    async close(): Promise<void> {
      clearInterval(sweepTimer);
      await listener?.close();
    },
  };
}

export type EmailModule = ReturnType<typeof createEmailModule>;

declare module 'fastify' {
  interface FastifyInstance {
    /** The SMTP listener's address while it listens (tests send mail to it), and one outbox sweep now. */
    email: {
      listenerAddress: () => AddressInfo | undefined;
      sweepWaiting: () => Promise<number>;
      sweepRatingRequests: () => Promise<number>;
    };
  }
}
