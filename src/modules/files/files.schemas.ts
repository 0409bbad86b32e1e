import { z } from 'zod';
import type { FileRow } from './files.repository.js';

export const maxAttachmentsPerMessage = 10;

export const fileSchema = z.object({
  id: z.uuid(),
  filename: z.string(),
  /** Detected from the content at upload, never taken from the name or the request. */
  mediaType: z.string(),
  kind: z.enum(['image', 'document', 'audio']),
  byteSize: z.number().int(),
  uploadedBy: z.uuid(),
  /** True once the document was read or the audio transcribed (on first use in a message). */
  hasExtractedText: z.boolean(),
  createdAt: z.iso.datetime(),
});
export type FileView = z.infer<typeof fileSchema>;

export const presentFile = (file: FileRow, kind: FileView['kind']): FileView => ({
  id: file.id,
  filename: file.filename,
  mediaType: file.mediaType,
  kind,
  byteSize: file.byteSize,
  uploadedBy: file.uploadedBy,
  hasExtractedText: file.extractedText !== null,
  createdAt: file.createdAt.toISOString(),
});

/** `fileIds` on a message: the caller's own uploads, each once. */
export const fileIdsSchema = z
  .array(z.uuid('must be file ids (UUIDs) returned by POST /v1/files'))
  .max(maxAttachmentsPerMessage, `a message can carry at most ${maxAttachmentsPerMessage} files`)
  .refine((ids) => new Set(ids).size === ids.length, 'must not name the same file twice');
