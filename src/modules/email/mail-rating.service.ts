import type { Database } from '../../platform/db/client.js';
import { AppError, conflict, notFound } from '../../platform/errors.js';
import type { Visitor } from '../widget/widget-sessions.js';
import type { WidgetRepository } from '../widget/widget.repository.js';
import type { WidgetService } from '../widget/widget.service.js';
import type { EmailNoticesRepository } from './email-notices.repository.js';
import type { RatingLinks } from './mail-rating-links.js';

export interface MailRatingDeps {
  readonly db: Database;
  readonly notices: Pick<EmailNoticesRepository, 'findRatable'>;
  readonly links: Pick<RatingLinks, 'verify'>;
  readonly widgetRepository: Pick<WidgetRepository, 'findInbox' | 'findRating'>;
  /** The widget's rating: stored the same way (support_ratings, once per resolution, `csat.submitted`). */
  readonly widget: Pick<WidgetService, 'rate'>;
  readonly now?: () => Date;
}

/** What the rating page shows for a link: the form, or that this resolution was rated already. */
export type RatingPageState =
  | { readonly kind: 'form'; readonly inboxName: string }
  | { readonly kind: 'rated'; readonly inboxName: string; readonly rating: number };

/**
 * The rating page's side (docs/email-inbox.md, "Rating by mail"): a signed link speaks for the contact of
 * one resolution, as a widget session does, and the rating goes through the widget's own `rate`.
 */
export function createMailRating(deps: MailRatingDeps) {
  const { db } = deps;
  const now = deps.now ?? (() => new Date());

  /** The contact the link speaks for, while the resolution it names is the conversation's current one. */
  async function visitorOf(token: string) {
    const claims = deps.links.verify(token, now());
    const conversation = await deps.notices.findRatable(db, claims.tenantId, claims.supportConversationId);
    const inbox = conversation && (await deps.widgetRepository.findInbox(db, conversation.inboxId));
    if (!conversation || !inbox || inbox.tenantId !== claims.tenantId) {
      throw notFound('Conversation', claims.supportConversationId);
    }
    if (conversation.status !== 'resolved' || conversation.statusChangedAt.getTime() !== claims.resolvedAt.getTime()) {
      throw conflict(
        'This conversation was opened again after this link was sent: rate it with the link of the newest mail, once it is resolved again',
      );
    }
    if (!inbox.isCsatEnabled)
      throw new AppError('unprocessable', `The inbox '${inbox.name}' no longer asks for ratings`);
    const visitor: Visitor = {
      tenantId: claims.tenantId,
      inbox,
      contactId: conversation.contactId,
      sessionId: 'email',
    };
    return { visitor, claims, conversation };
  }

  return {
    async pageState(token: string): Promise<RatingPageState> {
      const { visitor, claims } = await visitorOf(token);
      const rating = await deps.widgetRepository.findRating(db, visitor.tenantId, claims.supportConversationId);
      return rating && rating.createdAt >= claims.resolvedAt
        ? { kind: 'rated', inboxName: visitor.inbox.name, rating: rating.rating }
        : { kind: 'form', inboxName: visitor.inbox.name };
    },

    async rate(token: string, input: { rating: number; comment?: string | undefined }) {
      const { visitor, claims } = await visitorOf(token);
      await deps.widget.rate(visitor, claims.supportConversationId, input);
      return { inboxName: visitor.inbox.name };
    },
  };
}

export type MailRating = ReturnType<typeof createMailRating>;
