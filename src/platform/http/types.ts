import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Access, Actor, SignInToConfirm } from '../../access/actor.js';
import { AppError } from '../errors.js';
import type { RouteDocs } from './openapi-document.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route. Required: registration fails for a route without it. */
    access?: Access;
    /** What the published document needs that the route's schemas cannot say (openapi-document.ts). */
    docs?: RouteDocs;
    /**
     * The route confirms an access token's sign-in in the statement it acts with (a chat turn), so the
     * access hook may let a sign-in this node found live before in without reading it (`signInToConfirm`).
     */
    confirmsSignIn?: boolean;
  }
  interface FastifyRequest {
    actor: Actor | null;
    /** Set when the actor's sign-in was not read for this request: the route must confirm it (`confirmsSignIn`). */
    signInToConfirm: SignInToConfirm | null;
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
