import type { Database } from '../../platform/db/client.js';
import { newId } from '../../platform/ids.js';
import { mailLanguageOf } from './customer-notices.js';
import type { EmailNoticesRepository } from './email-notices.repository.js';
import { ratingRequestIdPrefix } from './mailed-lines.js';

/**
 * Only resolutions this recent are asked about: a node that looks after a long pause (or a server just
 * upgraded) does not mail every conversation resolved before it.
 */
export const ratingLookbackMs = 60 * 60_000;
const sweepBatch = 100;

/**
 * Rating requests by mail (docs/email-inbox.md, "Rating by mail"): a sweep, on every job-running node,
 * finds resolutions of email conversations whose inbox asks for ratings and writes each one's request as
 * a system line ("asked to rate by mail"); the outbox mails it as it mails every line. The line's client
 * id names the resolution, so twin sweeps on two nodes write it once, and a reopened conversation resolved
 * again is asked again. Found by a sweep rather than told by the status change: the change's transaction
 * belongs to the desk, and a sweep loses nothing to a crash between the two.
 */
export function createRatingRequests(deps: { readonly db: Database; readonly repository: EmailNoticesRepository }) {
  const { db, repository } = deps;

  return {
    /** Writes the requests of the resolutions not yet asked about; how many it wrote. */
    async sweep(now = new Date()): Promise<number> {
      const resolutions = await repository.listUnaskedResolutions(
        db,
        new Date(now.getTime() - ratingLookbackMs),
        sweepBatch,
      );
      let written = 0;
      for (const resolution of resolutions) {
        if (!resolution.conversationId) continue;
        const language = mailLanguageOf(resolution.firstWords ?? '');
        const isNew = await repository.insertNotice(db, {
          id: newId(),
          tenantId: resolution.tenantId,
          conversationId: resolution.conversationId,
          clientMessageId: `${ratingRequestIdPrefix}${language}:${resolution.resolvedAt.getTime()}`,
          content: 'The customer was asked by mail to rate this conversation.',
        });
        if (isNew) written += 1;
      }
      return written;
    },
  };
}

export type RatingRequests = ReturnType<typeof createRatingRequests>;
