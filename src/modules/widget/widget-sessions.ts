import { createHash, randomBytes } from 'node:crypto';
import { transaction } from '../../platform/db/after-commit.js';
import type { Database, Executor } from '../../platform/db/client.js';
import { AppError, notFound } from '../../platform/errors.js';
import { visitorContextOf } from './visitor-context.js';
import { newId } from '../../platform/ids.js';
import type { InboxesService } from '../inbox/index.js';
import type { StoredContact } from '../inbox/contacts/contacts.repository.js';
import type { StoredWidgetInbox, WidgetRepository } from './widget.repository.js';
import type { StartSessionInput } from './widget.schemas.js';

/** Who is calling the widget API: a contact of one inbox, proven by its token. */
export interface Visitor {
  readonly tenantId: string;
  readonly inbox: StoredWidgetInbox;
  readonly contactId: string;
  readonly sessionId: string;
}

export interface WidgetSessionsDeps {
  readonly db: Database;
  readonly repository: WidgetRepository;
  readonly inboxes: Pick<InboxesService, 'isVerifiedContact'>;
  /** In the transaction that makes a contact: its `contact.created` webhook event (the outbox). */
  readonly recordContactCreated?: (tx: Executor, contact: StoredContact) => Promise<void>;
  readonly now?: () => Date;
}

const contactTokenPrefix = 'pct_';
const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');
const newContactToken = (): string => `${contactTokenPrefix}${randomBytes(32).toString('base64url')}`;

/** A bearer token of the widget's kind, or undefined (another kind of credential, or none). */
export function contactTokenOf(authorization: string | undefined): string | undefined {
  const match = /^Bearer\s+(pct_[A-Za-z0-9_-]{1,100})$/i.exec(authorization ?? '');
  return match?.[1];
}

const unverified = () =>
  new AppError(
    'forbidden',
    "The identifier's signature does not match: sign the user's id with this inbox's signing secret (HMAC-SHA256, hex) on your server",
  );
const unverifiedEmail = () =>
  new AppError(
    'forbidden',
    "The email's signature does not match: sign the address, in lowercase, with this inbox's signing secret (HMAC-SHA256, hex) on your server, or leave emailHash out",
  );

/**
 * Widget sessions: a contact token per browser, stored as its hash, returned once. Identity
 * verification lets a tenant's site say who its user is: the same contact on every device. An id
 * without a valid signature is refused, so it can never reach a verified contact's conversations.
 */
export function createWidgetSessions(deps: WidgetSessionsDeps) {
  const { db, repository } = deps;
  const now = deps.now ?? (() => new Date());

  async function findInbox(inboxId: string): Promise<StoredWidgetInbox> {
    const inbox = await repository.findInbox(db, inboxId);
    if (!inbox) throw notFound('Inbox', inboxId);
    if (inbox.kind !== 'widget') {
      throw new AppError(
        'conflict',
        inbox.kind === 'email'
          ? `Inbox '${inboxId}' is an email inbox: its contacts write to its address, so it has no widget`
          : `Inbox '${inboxId}' is an API inbox: the tenant's own system posts its contacts' messages (POST /v1/inboxes/{id}/messages), so it has no widget`,
      );
    }
    return inbox;
  }

  /**
   * The address a verified session gives, and how it is known: `verified` when the tenant's server
   * signed it too (then mail from it may join the contact), else `visitor`, as anyone may type one.
   */
  async function signedEmailOf(inbox: StoredWidgetInbox, input: StartSessionInput) {
    if (input.email === undefined) return { email: null, emailSource: null };
    if (input.emailHash === undefined) return { email: input.email, emailSource: 'visitor' as const };
    const email = input.email.toLowerCase();
    if (!(await deps.inboxes.isVerifiedContact(inbox.tenantId, inbox.id, email, input.emailHash))) {
      throw unverifiedEmail();
    }
    return { email, emailSource: 'verified' as const };
  }

  /** The contact a verified id names: the tenant's contact with that external id, made on first sight. */
  async function verifiedContact(inbox: StoredWidgetInbox, input: StartSessionInput): Promise<string> {
    const externalId = input.identifier!;
    if (!input.identifierHash) throw unverified();
    const isVerified = await deps.inboxes.isVerifiedContact(inbox.tenantId, inbox.id, externalId, input.identifierHash);
    if (!isVerified) throw unverified();
    const address = await signedEmailOf(inbox, input);
    const existing = await repository.findContactByExternalId(db, inbox.tenantId, externalId);
    if (existing) {
      // A signed address is the tenant's word, and replaces what the contact had; an unsigned one adds nothing.
      if (address.emailSource === 'verified') {
        await repository.updateContact(db, inbox.tenantId, existing.id, address);
      }
      return existing.id;
    }
    const inserted = await transaction(db, async (tx) => {
      const row = await repository.insertContact(tx, {
        id: newId(),
        tenantId: inbox.tenantId,
        externalId,
        name: input.name ?? null,
        ...address,
      });
      if (row) await deps.recordContactCreated?.(tx, row);
      return row;
    });
    // Two first sessions at once: the unique index let one in; the other uses it.
    return inserted?.id ?? (await repository.findContactByExternalId(db, inbox.tenantId, externalId))!.id;
  }

  async function issueToken(inbox: StoredWidgetInbox, contactId: string, isVerified: boolean): Promise<string> {
    const token = newContactToken();
    await repository.insertSession(db, {
      id: newId(),
      tenantId: inbox.tenantId,
      inboxId: inbox.id,
      contactId,
      tokenHash: hashToken(token),
      isVerified,
    });
    return token;
  }

  /**
   * Opens a session: a returning anonymous token keeps its contact (and gets a fresh token), a valid
   * signed id gets its verified contact, anything else a new anonymous contact. A returning token is
   * never upgraded to a verified contact, nor a verified one kept when the page signs no id now.
   */
  async function openSession(inboxId: string, input: StartSessionInput) {
    const inbox = await findInbox(inboxId);
    const { tenantId } = inbox;
    if (input.identifier !== undefined) {
      const contactId = await verifiedContact(inbox, input);
      return {
        tenantId,
        contactToken: await issueToken(inbox, contactId, true),
        contactId,
        isVerified: true,
        isReturning: true,
      };
    }
    if (input.contactToken) {
      const found = await repository.findSession(db, hashToken(input.contactToken));
      if (found && found.session.inboxId === inbox.id && !found.session.isVerified) {
        const { contactId } = found.session;
        return { tenantId, contactToken: input.contactToken, contactId, isVerified: false, isReturning: true };
      }
    }
    const contact = await transaction(db, async (tx) => {
      const row = await repository.insertContact(tx, {
        id: newId(),
        tenantId: inbox.tenantId,
        name: input.name ?? null,
        // Typed by an anonymous visitor: contact data, never a key to that address's mail.
        email: input.email ?? null,
        emailSource: input.email === undefined ? null : 'visitor',
      });
      await deps.recordContactCreated?.(tx, row!);
      return row;
    });
    const contactId = contact!.id;
    return {
      tenantId,
      contactToken: await issueToken(inbox, contactId, false),
      contactId,
      isVerified: false,
      isReturning: false,
    };
  }

  return {
    findInbox,

    /** Opens a session (openSession), and notes what the widget knows of the visitor for operators. */
    async start(inboxId: string, input: StartSessionInput, userAgent?: string) {
      const { tenantId, ...session } = await openSession(inboxId, input);
      // What operators see of the visitor: best effort, never a reason to refuse the session.
      const visitor = visitorContextOf(input.visitor, userAgent, session.isVerified, now());
      await repository.recordVisitor(db, tenantId, session.contactId, visitor).catch(() => undefined);
      return session;
    },

    /** The visitor a request's token proves; 401 for none, or one this server never issued. */
    async authenticate(authorization: string | undefined): Promise<Visitor> {
      const token = contactTokenOf(authorization);
      const found = token ? await repository.findSession(db, hashToken(token)) : undefined;
      if (!found) {
        throw new AppError(
          'unauthenticated',
          'Send the contact token from POST /v1/widget/inboxes/{inboxId}/sessions as `Authorization: Bearer pct_…`',
        );
      }
      const { session, inbox } = found;
      const at = now();
      // Minute precision is enough for "last seen", and spares a write on every request.
      if (at.getTime() - session.lastUsedAt.getTime() > 60_000) {
        void repository.touchSession(db, session.tenantId, session.id, session.contactId, at).catch(() => undefined);
      }
      return { tenantId: session.tenantId, inbox, contactId: session.contactId, sessionId: session.id };
    },

    /** The visitor's own details; an address left here is typed, whoever the session verified. */
    async updateContact(visitor: Visitor, changes: { email?: string | undefined; name?: string | undefined }) {
      await repository.updateContact(db, visitor.tenantId, visitor.contactId, {
        ...(changes.email !== undefined && { email: changes.email, emailSource: 'visitor' as const }),
        ...(changes.name !== undefined && { name: changes.name }),
      });
    },
  };
}

export type WidgetSessions = ReturnType<typeof createWidgetSessions>;
