import fastifyMultipart from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { addressKey } from '../../platform/http/rate-limits.js';
import type { App } from '../../platform/http/types.js';
import { refuseDeclaredOversize, uploadReader } from '../knowledge/document-upload.js';
import type { Visitor } from './widget-sessions.js';
import { imageParams, conversationParams, sendMessageResultSchema } from './widget.schemas.js';
import type { WidgetService } from './widget.service.js';

export interface WidgetImageRoutesDeps {
  readonly service: Pick<WidgetService, 'sendImage' | 'openImage'>;
  /** The widget routes' own check: the contact token, the allowed origin, the per-contact budget. */
  readonly admitVisitor: (request: FastifyRequest) => Promise<void>;
  readonly visitorOf: (request: FastifyRequest) => Visitor;
  readonly imageMaxBytes: number;
  /** Requests per minute per address, as on every widget route. */
  readonly perAddressPerMinute: number;
}

const tags = ['widget'];
const security = [{ contactToken: [] }];

/** Images from the visitor: sent as a message of their own, and read back only by their conversation. */
export function registerWidgetImageRoutes(app: App, deps: WidgetImageRoutesDeps): void {
  const { service, admitVisitor, visitorOf, imageMaxBytes } = deps;
  const config = {
    access: 'public',
    rateLimit: { max: deps.perAddressPerMinute, timeWindow: '1 minute', keyGenerator: addressKey },
  } as const;
  // In a scope of its own, so the multipart parser serves only the upload route (as the files module does).
  void app.register(async (plain) => {
    await plain.register(fastifyMultipart);
    const scope = plain.withTypeProvider<ZodTypeProvider>();
    scope.post('/v1/widget/conversations/:id/images', {
      config: { ...config, docs: { uploadField: 'file' } },
      onRequest: refuseDeclaredOversize(imageMaxBytes),
      preHandler: admitVisitor,
      schema: {
        tags,
        security,
        summary: 'Send an image (PNG, JPEG, WebP or GIF) as a message',
        description:
          'multipart/form-data with one file field named `file`; the type is told from the bytes. 413 over ' +
          'WIDGET_IMAGE_MAX_BYTES, 415 for anything but an image. Answered as a written message is.',
        params: conversationParams,
        response: { 200: sendMessageResultSchema },
      },
      handler: (request) =>
        service.sendImage(visitorOf(request), request.params.id, uploadReader(request, imageMaxBytes)),
    });
  });

  app.get('/v1/widget/conversations/:id/images/:fileId', {
    config: {
      ...config,
      docs: {
        otherAnswers: { 200: { description: "The image's bytes, with its detected type", mediaType: 'image/*' } },
      },
    },
    preHandler: admitVisitor,
    schema: { tags, security, summary: 'An image of the conversation', params: imageParams },
    handler: async (request, reply) => {
      const { file, content } = await service.openImage(visitorOf(request), request.params.id, request.params.fileId);
      // Only the four image types ever get here; still never sniffed, never run as a page.
      return reply
        .header('content-type', file.mediaType)
        .header('content-length', file.byteSize)
        .header('cache-control', 'private, max-age=3600')
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; sandbox")
        .send(content);
    },
  });
}
