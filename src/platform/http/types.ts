import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Access, Actor } from '../../access/actor.js';
import { AppError } from '../errors.js';
import type { RouteDocs } from './openapi-document.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route. Required: registration fails for a route without it. */
    access?: Access;
    /** What the published document needs that the route's schemas cannot say (openapi-document.ts). */
    docs?: RouteDocs;
  }
  interface FastifyRequest {
    actor: Actor | null;
  }
}

/** The Fastify instance every module registers its routes on (Zod-typed). */
export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/** The caller of a route whose access is not 'public' (the auth hook guarantees one). */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new AppError('unauthenticated', 'Sign in or send an API key to use this endpoint');
  return request.actor;
}
