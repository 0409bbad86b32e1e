import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { ConfigError } from '../../config.js';
import { AppError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { Logger } from '../../platform/logger.js';
import type { StoredWidgetInbox } from '../widget/widget.repository.js';
import type { EmailInbound } from './email-inbound.service.js';
import { messageIdsIn } from './mail-headers.js';

export interface EmailListenerDeps {
  readonly findInbox: (address: string) => Promise<StoredWidgetInbox | undefined>;
  readonly inbound: Pick<EmailInbound, 'receive'>;
  readonly logger: Logger;
  readonly host: string;
  readonly port: number;
  /** The largest mail taken: announced with SIZE, and refused at DATA with 552 past it. */
  readonly maxBytes: number;
}

/** Why the listener could not listen, naming the setting to change (not HTTP's PORT and HOST). */
function listenFailure(error: unknown, where: string): unknown {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'EADDRINUSE':
      return new ConfigError(
        `The SMTP listener cannot listen on ${where}: the port is in use; stop what holds it or set EMAIL_SMTP_PORT to another`,
      );
    case 'EACCES':
      return new ConfigError(
        `The SMTP listener cannot listen on ${where}: this user may not open that port; set EMAIL_SMTP_PORT to 1024 or above (and have the mail server forward to it)`,
      );
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ConfigError(
        `Invalid environment variable EMAIL_SMTP_HOST: ${where} is not an address of this machine; set it to one, e.g. 127.0.0.1`,
      );
    default:
      return error;
  }
}

/** An SMTP reply with its code, as smtp-server sends an error's `responseCode`. */
function smtpError(responseCode: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode });
}

/** A mail refused for good: answered with its own SMTP reply, never the 451 that has servers retry for days. */
class PermanentRefusal extends Error {
  constructor(
    readonly responseCode: number,
    message: string,
  ) {
    super(message);
  }
}

const unreadableMail = () =>
  new PermanentRefusal(
    554,
    '5.6.0 This desk cannot read the message: it has more parts, or parts nested deeper, than it reads, or MIME it cannot make sense of; send it again with fewer attachments, or the files zipped',
  );

/** The whole DATA stream, kept only up to the limit: the rest is read and dropped, so the client hears 552. */
async function readLimited(stream: SMTPServerDataStream, maxBytes: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= maxBytes) chunks.push(chunk);
  }
  return stream.sizeExceeded || size > maxBytes ? undefined : Buffer.concat(chunks);
}

/**
 * The SMTP listener a mail server forwards an `email` inbox's mail to (ADR 22). It takes RCPT TO only
 * for an email inbox's address, so a mail for anyone else is refused while the sending server still
 * holds it (and bounces it to its sender); the same for a mail over the size limit. It speaks no AUTH
 * and no TLS: it belongs behind the organisation's mail server, on a private network.
 */
export function createEmailListener(deps: EmailListenerDeps) {
  const { logger } = deps;
  /** The inboxes the current mail of each open session is for (its RCPT TOs), by session id. */
  const recipients = new Map<string, StoredWidgetInbox[]>();

  async function deliver(session: SMTPServerSession, raw: Buffer): Promise<void> {
    // The whole mail is in memory: a parser's failure is the mail's own (more parts, or parts nested
    // deeper, than mailparser reads; MIME it cannot make sense of), and would be the same on every retry.
    const parsed = await simpleParser(raw, { skipHtmlToText: false }).catch((error: unknown) => {
      logger.info({ err: error }, 'An email could not be parsed and was refused');
      throw unreadableMail();
    });
    const mailFrom = session.envelope.mailFrom;
    const envelopeFrom = mailFrom === false ? '' : mailFrom.address;
    // One id for every recipient, also for a mail that came without one: a tenant's second inbox among
    // the recipients finds it received already (docs/email-inbox.md, "A mail to several inboxes").
    if (messageIdsIn(parsed.messageId).length === 0) parsed.messageId = `<${newId()}@parley.invalid>`;
    for (const inbox of recipients.get(session.id) ?? []) {
      const outcome = await deps.inbound.receive(inbox, { envelopeFrom, parsed });
      if (outcome.kind === 'ignored') {
        logger.info({ inboxId: inbox.id, reason: outcome.reason }, 'An email was taken and not answered');
      }
    }
  }

  const server = new SMTPServer({
    banner: 'Parley support desk',
    disabledCommands: ['AUTH', 'STARTTLS'],
    authOptional: true,
    size: deps.maxBytes,
    logger: false,
    // Each mail of a session starts its own list: a mail server that reuses a connection sends the next
    // mail with a new MAIL FROM, and its recipients are only the ones named after it.
    onMailFrom(_address, session, callback) {
      recipients.set(session.id, []);
      callback();
    },
    onClose(session) {
      recipients.delete(session.id);
    },
    onRcptTo(address, session, callback) {
      deps.findInbox(address.address).then(
        (inbox) => {
          if (!inbox) {
            callback(smtpError(550, `5.1.1 <${address.address}>: no inbox of this support desk has that address`));
            return;
          }
          recipients.set(session.id, [...(recipients.get(session.id) ?? []), inbox]);
          callback();
        },
        (error: unknown) => {
          logger.error({ err: error }, 'An email recipient could not be looked up');
          callback(smtpError(451, '4.3.0 The support desk cannot take mail right now; try again later'));
        },
      );
    },
    onData(stream, session, callback) {
      readLimited(stream, deps.maxBytes)
        .then(async (raw) => {
          if (raw === undefined) {
            callback(smtpError(552, `5.3.4 The message is larger than this desk takes (${deps.maxBytes} bytes)`));
            return;
          }
          await deliver(session, raw);
          callback(null, 'Taken by the support desk');
        })
        .catch((error: unknown) => {
          if (error instanceof PermanentRefusal) {
            callback(smtpError(error.responseCode, error.message));
            return;
          }
          // The same mail being taken by another session: expected, and the sender's retry settles it.
          if (error instanceof AppError && error.code === 'not_ready') logger.info(error.message);
          else logger.error({ err: error }, 'An email could not be stored');
          callback(smtpError(451, '4.3.0 The support desk could not store the message; try again later'));
        });
    },
  });
  // A client's connection that fails (a reset, a hang-up mid-mail) is the client's; the listener goes on.
  server.on('error', (error) => logger.warn({ err: error }, 'An SMTP connection to the listener failed'));

  return {
    async start(): Promise<AddressInfo> {
      await new Promise<void>((resolve, reject) => {
        server.server.once('error', reject);
        server.listen(deps.port, deps.host, () => {
          server.server.off('error', reject);
          resolve();
        });
      }).catch((error: unknown) => {
        throw listenFailure(error, `${deps.host}:${deps.port}`);
      });
      const address = server.server.address() as AddressInfo;
      logger.info({ host: address.address, port: address.port }, 'SMTP listener for email inboxes is listening');
      return address;
    },
    address: (): AddressInfo | undefined =>
      server.server.listening ? (server.server.address() as AddressInfo) : undefined,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type EmailListener = ReturnType<typeof createEmailListener>;
