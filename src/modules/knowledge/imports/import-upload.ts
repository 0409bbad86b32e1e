import type { FastifyRequest } from 'fastify';
import { AppError } from '../../../platform/errors.js';
import { toUploadError, uploadFieldName } from '../document-upload.js';
import { maxArchiveEntries } from './archive-entries.js';
import type { ImportFile } from './imports.service.js';

/** Files one import request may carry; a zip carries up to as many again. */
export const maxFilesPerRequest = maxArchiveEntries;

/**
 * The files of a multipart import request, one at a time as they arrive (each must be read before the
 * next is opened). Every part must be a file in a field named `file`; its name, with any folders a
 * browser sent for a folder upload, becomes the document's path.
 */
export async function* multipartImportFiles(request: FastifyRequest, maxBytes: number): AsyncGenerator<ImportFile> {
  if (!request.isMultipart()) {
    throw new AppError(
      'unsupported_media_type',
      `Send the files as multipart/form-data, each in a field named '${uploadFieldName}' (or one zip of them)`,
    );
  }
  const parts = request.files({
    limits: {
      fileSize: maxBytes + 1,
      files: maxFilesPerRequest,
      fields: 10,
      fieldSize: 1024,
      parts: maxFilesPerRequest + 10,
    },
  });
  let count = 0;
  try {
    for await (const part of parts) {
      if (part.fieldname !== uploadFieldName) {
        part.file.resume();
        throw new AppError(
          'validation_failed',
          `A file was sent in a field named '${part.fieldname.slice(0, 100)}'; send each file in a field named '${uploadFieldName}'`,
        );
      }
      count += 1;
      yield { path: part.filename || `file ${count}`, content: part.file };
    }
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT') {
      throw new AppError(
        'validation_failed',
        `One import request takes at most ${maxFilesPerRequest} files; send the rest in another (the files already added are skipped when sent again)`,
      );
    }
    throw toUploadError(error, maxBytes);
  }
  if (count === 0) {
    throw new AppError(
      'validation_failed',
      `The form has no file; send each file in a field named '${uploadFieldName}'`,
    );
  }
}
