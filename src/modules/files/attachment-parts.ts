import { readFile } from 'node:fs/promises';
import { formatAttachedText } from '../../ai/attached-text.js';
import type { AttachmentPart } from '../../ai/model-call.js';
import type { Database } from '../../platform/db/client.js';
import type { StoredAttachment } from '../../platform/db/schema/index.js';
import type { FileStorage } from '../../platform/storage/index.js';
import { parseDocument, parseLimitsOf, type ParseSettings } from '../knowledge/parsing/index.js';
import { attachmentKindOf, documentTypeOf } from './attachment-type.js';
import type { FileRow, FilesRepository } from './files.repository.js';
import type { Transcription } from '../../ai/transcription.js';
import { cutToLength } from '../../platform/text-cut.js';

/** A document's text beyond this is cut (and the model told so): a long PDF would crowd out the conversation. */
export const attachmentTextMaxChars = 40_000;

export interface AttachmentTextDeps {
  readonly storage: FileStorage;
  readonly config: ParseSettings;
  readonly transcription: Transcription;
}

/** A document's text (parsed in a bounded worker) or an audio file's transcript. */
export async function readAttachmentText(deps: AttachmentTextDeps, tenantId: string, file: FileRow): Promise<string> {
  const path = deps.storage.localPath(file.storageKey);
  if (attachmentKindOf(file.mediaType) === 'audio') {
    return deps.transcription.transcribe(tenantId, file.uploadedBy, new Uint8Array(await readFile(path)));
  }
  const documentType = documentTypeOf(file.mediaType);
  if (!documentType) return '';
  const parsed = await parseDocument(path, documentType, parseLimitsOf(deps.config));
  return parsed.blocks.map((block) => block.text).join('\n\n');
}

export interface AttachmentPartsDeps {
  readonly db: Database;
  readonly repository: FilesRepository;
  readonly storage: FileStorage;
}

/**
 * What a model is given for a message's files: images as file parts (the bytes), documents and audio as
 * text parts with the file's name (text read and cached when the message was sent). A file deleted since
 * is named, so the model does not answer as if it saw it.
 */
export function createAttachmentModelParts(deps: AttachmentPartsDeps) {
  return async (tenantId: string, attachments: readonly StoredAttachment[]): Promise<AttachmentPart[]> => {
    const files = new Map(
      (
        await deps.repository.findFiles(
          deps.db,
          tenantId,
          attachments.map((attachment) => attachment.fileId),
        )
      ).map((file) => [file.id, file] as const),
    );
    return Promise.all(
      attachments.map(async (attachment): Promise<AttachmentPart> => {
        const file = files.get(attachment.fileId);
        if (!file) return { type: 'text', text: `[The attached file "${attachment.filename}" has been deleted.]` };
        if (attachmentKindOf(file.mediaType) === 'image') {
          const data = new Uint8Array(await readFile(deps.storage.localPath(file.storageKey)));
          return { type: 'file', mediaType: file.mediaType, data, filename: file.filename };
        }
        return { type: 'text', text: attachmentText(file) };
      }),
    );
  };
}

export type AttachmentModelParts = ReturnType<typeof createAttachmentModelParts>;

function attachmentText(file: FileRow): string {
  const named = {
    filename: file.filename,
    kind: attachmentKindOf(file.mediaType) === 'audio' ? 'audio' : 'document',
  } as const;
  const text = file.extractedText ?? '';
  if (text.length <= attachmentTextMaxChars) return formatAttachedText(named, text);
  const note =
    `only its first ${attachmentTextMaxChars.toLocaleString('en')} of ` +
    `${text.length.toLocaleString('en')} characters are given; the rest was cut`;
  return formatAttachedText({ ...named, note }, cutToLength(text, attachmentTextMaxChars));
}
