// The type import brings @fastify/multipart's additions to FastifyRequest (isMultipart, file).
import type { MultipartFile } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../../platform/errors.js';
import { formatBytes } from '../../platform/format-bytes.js';
import type { FileStorage, StoredFile } from '../../platform/storage/index.js';

/** What the documents service needs from an upload: the file's own name (a label) and its bytes, as a stream. */
export interface Upload {
  readonly filename: string | undefined;
  readonly content: NodeJS.ReadableStream;
  /** Reads the rest of the form once the file is stored: a second file is refused, not dropped unread. */
  readonly finish: () => Promise<void>;
}

/** Room for the multipart boundaries and part headers around the file itself. */
const multipartOverheadBytes = 64 * 1024;

export const uploadFieldName = 'file';

const oneFileOnly = () =>
  new AppError('validation_failed', `Send one file, in a field named '${uploadFieldName}', and nothing else`);

const tooLarge = (maxBytes: number) =>
  new AppError('payload_too_large', `The file is larger than the ${formatBytes(maxBytes)} this server accepts`);

/**
 * An onRequest hook: a body whose declared length is already over the limit is refused before a byte of it
 * is read. A body without Content-Length (chunked) is bounded while it streams, by storage.
 */
export function refuseDeclaredOversize(maxBytes: number) {
  return async (request: FastifyRequest): Promise<void> => {
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes + multipartOverheadBytes) throw tooLarge(maxBytes);
  };
}

/**
 * Opens the one file of a multipart request, without buffering it. Called by the service only after it
 * has checked the source, so a request for a missing source does not stream a file first.
 */
export function uploadReader(request: FastifyRequest, maxBytes: number): () => Promise<Upload> {
  return async () => {
    if (!request.isMultipart()) {
      throw new AppError(
        'unsupported_media_type',
        `Send the document as multipart/form-data with one file field named '${uploadFieldName}'`,
      );
    }
    // One byte over the limit reaches storage, which then refuses the file (a truncated file must never pass).
    const files = request.files({
      limits: { fileSize: maxBytes + 1, files: 1, fields: 10, fieldSize: 1024, parts: 12 },
    });
    const next = (): Promise<MultipartFile | undefined> =>
      files.next().then(
        (result) => (result.done ? undefined : result.value),
        (error: unknown) => {
          throw toUploadError(error, maxBytes);
        },
      );
    const part = await next();
    if (!part)
      throw new AppError('validation_failed', `The form has no file; send it in a field named '${uploadFieldName}'`);
    if (part.fieldname !== uploadFieldName) {
      part.file.resume();
      throw new AppError(
        'validation_failed',
        `The file was sent in a field named '${part.fieldname.slice(0, 100)}'; send it in a field named '${uploadFieldName}'`,
      );
    }
    const finish = async () => {
      const another = await next();
      if (!another) return;
      another.file.resume();
      throw oneFileOnly();
    };
    return { filename: part.filename, content: part.file, finish };
  };
}

/**
 * Streams the upload's file into storage; a body that breaks off or is over the limit is a 4xx, and so is an
 * empty file (whose type would otherwise be refused with a list of formats it may well be in).
 */
export async function storeUpload(storage: FileStorage, upload: Upload, maxBytes: number): Promise<StoredFile> {
  const stored = await storage.write(upload.content, { maxBytes }).catch((error: unknown) => {
    throw toUploadError(error, maxBytes);
  });
  try {
    await upload.finish();
    if (stored.byteSize === 0) {
      throw new AppError('validation_failed', 'The file is empty; check that it was saved, and upload it again', {
        fields: [{ field: uploadFieldName, message: 'is empty' }],
      });
    }
    return stored;
  } catch (error) {
    await storage.remove(stored.key);
    throw error;
  }
}

/** Errors of the multipart reader (busboy and @fastify/multipart) as sentences; unknown ones pass through. */
export function toUploadError(error: unknown, maxBytes: number): unknown {
  if (error instanceof AppError) return error;
  const code = (error as { code?: unknown }).code;
  switch (code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return tooLarge(maxBytes);
    case 'FST_FILES_LIMIT':
    case 'FST_PARTS_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return oneFileOnly();
    case 'FST_MP_PREMATURE_CLOSE':
      return new AppError('malformed_request', 'The upload ended before the file was complete; send it again');
    case 'FST_PROTO_VIOLATION':
      return new AppError('validation_failed', 'A form field has a reserved name; rename it');
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return new AppError('unsupported_media_type', 'Send the document as multipart/form-data');
    default:
      break;
  }
  const message = error instanceof Error ? error.message : '';
  // The parser cannot search for a boundary over 256 characters ("the needle cannot have a length
  // bigger than 256"); RFC 2046 allows 70, so such a request is not well-formed either.
  if (/unexpected end of (form|multipart)|malformed|boundary|premature close|aborted|needle/i.test(message)) {
    return new AppError(
      'malformed_request',
      'The upload ended early or is not well-formed multipart data; send it again',
    );
  }
  return error;
}
