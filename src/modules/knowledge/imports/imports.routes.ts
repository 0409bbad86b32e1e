import { tenantAdminAccess } from '../../../access/require-access.js';
import { actorOf, type App } from '../../../platform/http/types.js';
import { refuseDeclaredOversize, uploadFieldName } from '../document-upload.js';
import { sourceParams } from '../documents.schemas.js';
import { multipartImportFiles } from './import-upload.js';
import {
  importFilePageSchema,
  importListSchema,
  importParams,
  importSchema,
  listImportFilesQuery,
} from './imports.schemas.js';
import type { ImportsService } from './imports.service.js';

const tags = ['knowledge'];
const security = [{ bearer: [] }];
const importsUrl = '/v1/knowledge-sources/:id/imports';
const importUrl = `${importsUrl}/:importId`;

/** Registered in the scope that parses multipart/form-data, beside the documents' upload. */
export function registerImportsRoutes(app: App, service: ImportsService, options: { importMaxBytes: number }): void {
  app.post(importsUrl, {
    config: { access: tenantAdminAccess, docs: { uploadField: uploadFieldName } },
    onRequest: refuseDeclaredOversize(options.importMaxBytes),
    schema: {
      tags,
      security,
      summary: `Import many documents in one request (multipart/form-data: several files in fields named '${uploadFieldName}', or a zip of them, whose folders become the documents' paths); answers once every file is added, with the counts; GET the import meanwhile to follow it`,
      consumes: ['multipart/form-data'],
      params: sourceParams,
      response: { 201: importSchema },
    },
    handler: async (request, reply) => {
      const files = multipartImportFiles(request, options.importMaxBytes);
      return reply.status(201).send(await service.run(actorOf(request), request.params.id, files));
    },
  });

  app.get(importsUrl, {
    config: { access: tenantAdminAccess },
    schema: {
      tags,
      security,
      summary: "A source's latest 20 imports, newest first, with their counts (a running one counts as it goes)",
      params: sourceParams,
      response: { 200: importListSchema },
    },
    handler: (request) => service.list(actorOf(request), request.params.id),
  });

  app.get(importUrl, {
    config: { access: tenantAdminAccess },
    schema: {
      tags,
      security,
      summary: 'One import: its status and how many files were added, were duplicates or failed so far',
      params: importParams,
      response: { 200: importSchema },
    },
    handler: (request) => service.get(actorOf(request), request.params.id, request.params.importId),
  });

  app.get(`${importUrl}/files`, {
    config: { access: tenantAdminAccess },
    schema: {
      tags,
      security,
      summary: "What became of each file of an import, in the order the files came (filter by outcome: 'failed')",
      params: importParams,
      querystring: listImportFilesQuery,
      response: { 200: importFilePageSchema },
    },
    handler: (request) =>
      service.listFiles(actorOf(request), request.params.id, request.params.importId, request.query),
  });
}
