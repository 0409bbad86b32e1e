import { tenantAdminAccess } from '../../access/require-access.js';
import { noContent } from '../../platform/http/common-schemas.js';
import { actorOf, type App } from '../../platform/http/types.js';
import { refuseDeclaredOversize, uploadFieldName, uploadReader } from './document-upload.js';
import {
  documentFromUrlBody,
  documentPageSchema,
  documentParams,
  documentSchema,
  listDocumentsQuery,
  sourceParams,
} from './documents.schemas.js';
import type { DocumentsService } from './documents.service.js';

const tags = ['knowledge'];
const security = [{ bearer: [] }];
const documentsUrl = '/v1/knowledge-sources/:id/documents';
const documentUrl = `${documentsUrl}/:documentId`;

/** Registered in a scope that parses multipart/form-data (app-modules.ts); every other route stays JSON-only. */
export function registerDocumentsRoutes(
  app: App,
  service: DocumentsService,
  options: { uploadMaxBytes: number },
): void {
  app.get(documentsUrl, {
    config: { access: 'authenticated' },
    schema: {
      tags,
      security,
      summary: "A source's documents, newest first, with their indexing status and progress",
      params: sourceParams,
      querystring: listDocumentsQuery,
      response: { 200: documentPageSchema },
    },
    handler: (request) => service.list(actorOf(request), request.params.id, request.query),
  });

  app.post(documentsUrl, {
    config: { access: tenantAdminAccess, docs: { uploadField: uploadFieldName } },
    onRequest: refuseDeclaredOversize(options.uploadMaxBytes),
    schema: {
      tags,
      security,
      summary: `Upload a document (multipart/form-data, one file in the field '${uploadFieldName}'); indexed in the background`,
      consumes: ['multipart/form-data'],
      params: sourceParams,
      response: { 202: documentSchema },
    },
    handler: async (request, reply) => {
      const openUpload = uploadReader(request, options.uploadMaxBytes);
      return reply.status(202).send(await service.upload(actorOf(request), request.params.id, openUpload));
    },
  });

  app.post(`${documentsUrl}/from-url`, {
    config: { access: tenantAdminAccess },
    schema: {
      tags,
      security,
      summary: 'Fetch a document from a URL (through the outbound guard); indexed in the background',
      params: sourceParams,
      body: documentFromUrlBody,
      response: { 202: documentSchema },
    },
    handler: async (request, reply) =>
      reply.status(202).send(await service.addFromUrl(actorOf(request), request.params.id, request.body.url)),
  });

  app.get(documentUrl, {
    config: { access: 'authenticated' },
    schema: { tags, security, summary: 'One document', params: documentParams, response: { 200: documentSchema } },
    handler: (request) => service.get(actorOf(request), request.params.id, request.params.documentId),
  });

  app.delete(documentUrl, {
    config: { access: tenantAdminAccess },
    schema: {
      tags,
      security,
      summary: 'Delete a document with its chunks and stored file (a running indexing stops)',
      params: documentParams,
      response: { 204: noContent },
    },
    handler: async (request, reply) => {
      await service.remove(actorOf(request), request.params.id, request.params.documentId);
      return reply.status(204).send(null);
    },
  });

  app.post(`${documentUrl}/file`, {
    config: { access: tenantAdminAccess, docs: { uploadField: uploadFieldName } },
    onRequest: refuseDeclaredOversize(options.uploadMaxBytes),
    schema: {
      tags,
      security,
      summary: `Replace a document's file (multipart/form-data, field '${uploadFieldName}'): the same document, indexed anew; its old passages answer until then`,
      consumes: ['multipart/form-data'],
      params: documentParams,
      response: { 202: documentSchema },
    },
    handler: async (request, reply) => {
      const openUpload = uploadReader(request, options.uploadMaxBytes);
      const { id, documentId } = request.params;
      return reply.status(202).send(await service.replaceFile(actorOf(request), id, documentId, openUpload));
    },
  });

  app.post(`${documentUrl}/reindex`, {
    config: { access: tenantAdminAccess },
    schema: {
      tags,
      security,
      summary: 'Index a document again from its stored file',
      params: documentParams,
      response: { 202: documentSchema },
    },
    handler: async (request, reply) =>
      reply.status(202).send(await service.reindex(actorOf(request), request.params.id, request.params.documentId)),
  });

  app.post(`${documentUrl}/cancel`, {
    config: { access: tenantAdminAccess },
    schema: {
      tags,
      security,
      summary: 'Stop a pending or running indexing',
      params: documentParams,
      response: { 200: documentSchema },
    },
    handler: (request) => service.cancel(actorOf(request), request.params.id, request.params.documentId),
  });
}
