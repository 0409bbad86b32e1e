import { idParams, noContent } from '../../platform/http/common-schemas.js';
import { actorOf, type App } from '../../platform/http/types.js';
import { refuseDeclaredOversize, uploadReader } from '../knowledge/document-upload.js';
import { fileSchema } from './files.schemas.js';
import type { FilesService } from './files.service.js';

const tags = ['files'];
const security = [{ bearer: [] }];
const access = 'authenticated';

export interface FileRouteOptions {
  readonly uploadMaxBytes: number;
}

/** Register inside a scope that has @fastify/multipart (see index.ts). */
export function registerFilesRoutes(app: App, service: FilesService, options: FileRouteOptions): void {
  app.post('/v1/files', {
    config: { access, docs: { uploadField: 'file' } },
    onRequest: refuseDeclaredOversize(options.uploadMaxBytes),
    schema: {
      tags,
      security,
      summary: 'Upload a file to attach to chat messages',
      description:
        'multipart/form-data with one file field named `file`. Images (PNG, JPEG, GIF, WebP), documents (PDF, ' +
        'DOCX, HTML, Markdown, text, CSV, JSON) and audio (MP3, WAV, M4A, OGG, WebM); the type is detected from ' +
        'the content. 413 over the size limit, 415 for anything else. Send its id in `fileIds` with a message.',
      response: { 201: fileSchema },
    },
    handler: async (request, reply) =>
      reply.status(201).send(await service.upload(actorOf(request), uploadReader(request, options.uploadMaxBytes))),
  });

  app.get('/v1/files/:id', {
    config: { access },
    schema: { tags, security, summary: "A file's details", params: idParams, response: { 200: fileSchema } },
    handler: (request) => service.get(actorOf(request), request.params.id),
  });

  app.get('/v1/files/:id/content', {
    config: {
      access,
      docs: {
        otherAnswers: {
          200: {
            description: "The file's bytes, with its detected type, as an attachment",
            mediaType: 'application/octet-stream',
          },
        },
      },
    },
    schema: {
      tags,
      security,
      summary: "The file's bytes, always as a download",
      params: idParams,
    },
    handler: async (request, reply) => {
      const { file, content } = await service.openContent(actorOf(request), request.params.id);
      // Always a download, with the type we detected: an uploaded HTML or SVG must never run in our origin.
      return reply
        .header('content-type', file.mediaType)
        .header('content-length', file.byteSize)
        .header('content-disposition', contentDisposition(file.filename))
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; sandbox")
        .send(content);
    },
  });

  app.delete('/v1/files/:id', {
    config: { access },
    schema: {
      tags,
      security,
      summary: 'Delete a file (its uploader or an admin)',
      params: idParams,
      response: { 204: noContent },
    },
    handler: async (request, reply) => {
      await service.remove(actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  });
}

/** RFC 6266: an ASCII fallback name and the exact one in RFC 5987 encoding. */
function contentDisposition(filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  // RFC 8187's value allows fewer characters than encodeURIComponent leaves: ' ( ) * are escaped too,
  // or a strict parser refuses the header ("O'Brien (résumé).txt").
  const encoded = encodeURIComponent(filename).replace(
    /['()*]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
