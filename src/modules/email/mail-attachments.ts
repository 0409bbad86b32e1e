import { Readable } from 'node:stream';
import type { ParsedMail } from 'mailparser';
import type { Actor } from '../../access/actor.js';
import type { StoredAttachment } from '../../platform/db/schema/index.js';
import { AppError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import { maxAttachmentsPerMessage, type FilesService } from '../files/index.js';

export interface MailAttachmentsDeps {
  readonly files: Pick<FilesService, 'upload' | 'remove'>;
  readonly logger: Pick<Logger, 'warn'>;
}

/** A mail's attachments as the desk user's files: stored before its message, removed if the message is not. */
export function createMailAttachments(deps: MailAttachmentsDeps) {
  return {
    /**
     * Each attachment stored as the desk user's file, under the upload limits and the storage quota;
     * `refused` says, a line each, which were not kept.
     */
    async store(actor: Actor, parsed: ParsedMail) {
      const stored: StoredAttachment[] = [];
      const refused: string[] = [];
      for (const attachment of parsed.attachments) {
        const filename = attachment.filename ?? 'attachment';
        if (stored.length === maxAttachmentsPerMessage) {
          refused.push(
            `(The attachment '${filename}' was not kept: a message carries at most ${maxAttachmentsPerMessage} files.)`,
          );
          continue;
        }
        try {
          const file = await deps.files.upload(actor, async () => ({
            filename,
            content: Readable.from(attachment.content),
            finish: async () => undefined,
          }));
          stored.push({ fileId: file.id, filename: file.filename, mediaType: file.mediaType });
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          // Said in the conversation, so the operator knows to ask for it another way; no quota figures.
          refused.push(
            `(The attachment '${filename}' was not kept: it is too large, of a kind the desk cannot read, or there is no room left.)`,
          );
        }
      }
      return { stored, refused };
    },

    /**
     * Files stored for a message that was then stored without them (or not at all): no message names
     * them, so no export or erasure would find them, yet they would count against the quota.
     */
    async remove(actor: Actor, files: readonly StoredAttachment[]): Promise<void> {
      for (const file of files) {
        await deps.files
          .remove(actor, file.fileId)
          .catch((error: unknown) =>
            deps.logger.warn({ err: error, fileId: file.fileId }, 'A mail attachment stayed stored'),
          );
      }
    },
  };
}
