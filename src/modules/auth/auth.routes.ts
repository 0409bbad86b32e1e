import { z } from 'zod';
import { actorOf, type App } from '../../platform/http/types.js';
import { AppError } from '../../platform/errors.js';
import type { AuthService } from './auth.service.js';
import { clearSessionCookie, presentedRefreshToken, refreshCookieName, sendSession } from './session-cookie.js';
import { authStatusSchema, loginBody, meSchema, refreshBody, registerBody, sessionSchema } from './auth.schemas.js';
import { addressKey } from '../../platform/http/rate-limits.js';
import { noContent } from '../../platform/http/common-schemas.js';

const tags = ['auth'];
export function registerAuthRoutes(
  app: App,
  service: AuthService,
  options: { rateLimitPerMinute: number; refreshTokenTtlDays: number },
): void {
  // Sign-in endpoints get a tighter per-address limit than the API as a whole, signed in or not.
  const authRateLimit = { max: options.rateLimitPerMinute, timeWindow: '1 minute', keyGenerator: addressKey };
  const cookie = { maxAgeSeconds: options.refreshTokenTtlDays * 86_400 };

  app.get('/v1/auth/status', {
    config: { access: 'public' },
    schema: {
      tags,
      summary: 'Whether the server has users and whether sign-up is open',
      response: { 200: authStatusSchema },
    },
    handler: () => service.status(),
  });

  app.post('/v1/auth/register', {
    config: { access: 'public', rateLimit: authRateLimit },
    schema: {
      tags,
      summary: 'Create an account (the first one becomes platform admin)',
      body: registerBody,
      response: { 201: sessionSchema },
    },
    handler: async (request, reply) =>
      sendSession(request, reply, await service.register(request.body), { status: 201, ...cookie }),
  });

  app.post('/v1/auth/login', {
    config: { access: 'public', rateLimit: authRateLimit },
    schema: { tags, summary: 'Sign in with email and password', body: loginBody, response: { 200: sessionSchema } },
    handler: async (request, reply) =>
      sendSession(request, reply, await service.login(request.body, request.ip), { status: 200, ...cookie }),
  });

  app.post('/v1/auth/refresh', {
    config: { access: 'public', rateLimit: authRateLimit },
    schema: {
      tags,
      summary: 'Exchange a refresh token for a new session (the old token is spent)',
      // Optional: a cookie session sends its refresh token in the cookie, and may send no body at all.
      body: refreshBody.nullish(),
      response: { 200: sessionSchema },
    },
    handler: async (request, reply) => {
      const session = await service.refresh(presentedRefreshToken(request, request.body?.refreshToken));
      return sendSession(request, reply, session, { status: 200, ...cookie });
    },
  });

  app.post('/v1/auth/resume', {
    config: { access: 'public', rateLimit: authRateLimit },
    schema: {
      tags,
      summary:
        "Resume a browser's session from its cookie: 200 with a new session, 204 when there is none to resume (signed out)",
      // A page load asks this before it knows whether anyone is signed in; a 401 there would be an
      // error in the browser's console on every visit of a signed-out person.
      body: z.strictObject({}).nullish(),
      response: { 200: sessionSchema, 204: noContent },
    },
    handler: async (request, reply) => {
      const session = await service.resume(request.cookies[refreshCookieName]);
      if (session) return sendSession(request, reply, session, { status: 200, ...cookie });
      if (request.cookies[refreshCookieName]) clearSessionCookie(reply);
      return reply.status(204).send(null);
    },
  });

  app.post('/v1/auth/logout', {
    config: { access: 'public' },
    schema: {
      tags,
      summary: 'End the session that owns this refresh token (from the body, or the session cookie)',
      body: refreshBody.nullish(),
      response: { 204: z.null() },
    },
    handler: async (request, reply) => {
      const token = request.body?.refreshToken ?? request.cookies[refreshCookieName];
      // A 204 says a session ended; with no refresh token there is none to name, and the caller must hear it.
      if (!token) {
        throw new AppError(
          'validation_failed',
          "No session to end: send the session's refresh token as refreshToken in the body, or its session cookie",
        );
      }
      await service.logout(token);
      clearSessionCookie(reply);
      return reply.status(204).send(null);
    },
  });

  app.get('/v1/auth/me', {
    config: { access: 'authenticated' },
    schema: { tags, summary: 'The signed-in user and tenant', security: [{ bearer: [] }], response: { 200: meSchema } },
    handler: (request) => service.me(actorOf(request)),
  });
}
