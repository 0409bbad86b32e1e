import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { tenantAdminAccess as access } from '../../access/require-access.js';
import { AppError } from '../../platform/errors.js';
import { logFailure, sendProblem, toAppError } from '../../platform/http/error-handler.js';
import { noContent } from '../../platform/http/common-schemas.js';
import { addressKey } from '../../platform/http/rate-limits.js';
import { actorOf, type App } from '../../platform/http/types.js';
import { refreshCookieName, setSessionCookie } from '../auth/session-cookie.js';
import { refreshBody } from '../auth/auth.schemas.js';
import type { SsoConnectionsService } from './sso-connections.service.js';
import { attemptLifetimeMs, bindingCookieNameOf, callbackPath, type SsoSignInService } from './sso-sign-in.service.js';
import {
  backChannelLogoutBody,
  backChannelLogoutSchema,
  callbackQuery,
  connectionListQuery,
  connectionListSchema,
  connectionParams,
  connectionSchema,
  connectionTestSchema,
  createConnectionBody,
  discoverBody,
  discoverSchema,
  ssoLogoutSchema,
  startParams,
  startQuery,
  updateConnectionBody,
} from './sso.schemas.js';

const tags = ['sso'];
/** A logout token is a JWT of a few hundred bytes; its form is never larger than this. */
const logoutFormMaxBytes = 16_384;
const security = [{ bearer: [] }];

export function registerSsoRoutes(
  app: App,
  services: { connections: SsoConnectionsService; signIn: SsoSignInService },
  options: { rateLimitPerMinute: number; refreshTokenTtlDays: number; ssoSessionMaxHours: number },
): void {
  const { connections, signIn } = services;
  const authRateLimit = { max: options.rateLimitPerMinute, timeWindow: '1 minute', keyGenerator: addressKey };

  app.get('/v1/sso/connections', {
    config: { access },
    schema: {
      tags,
      security,
      summary: "The tenant's single sign-on connection (platform admins: any tenant's, with tenantId)",
      querystring: connectionListQuery,
      response: { 200: connectionListSchema },
    },
    handler: (request) => connections.list(actorOf(request), request.query.tenantId),
  });

  app.post('/v1/sso/connections', {
    config: { access },
    schema: {
      tags,
      security,
      summary: 'Connect an OpenID Connect provider; its client secret is stored encrypted and never shown again',
      body: createConnectionBody,
      response: { 201: connectionSchema },
    },
    handler: async (request, reply) => reply.status(201).send(await connections.create(actorOf(request), request.body)),
  });

  app.get('/v1/sso/connections/:connectionId', {
    config: { access },
    schema: {
      tags,
      security,
      summary: 'Get an SSO connection',
      params: connectionParams,
      response: { 200: connectionSchema },
    },
    handler: (request) => connections.get(actorOf(request), request.params.connectionId),
  });

  app.patch('/v1/sso/connections/:connectionId', {
    config: { access },
    schema: {
      tags,
      security,
      summary: 'Change an SSO connection (a new client secret replaces the stored one)',
      params: connectionParams,
      body: updateConnectionBody,
      response: { 200: connectionSchema },
    },
    handler: (request) => connections.update(actorOf(request), request.params.connectionId, request.body),
  });

  app.delete('/v1/sso/connections/:connectionId', {
    config: { access },
    schema: {
      tags,
      security,
      summary: 'Remove an SSO connection',
      params: connectionParams,
      response: { 204: noContent },
    },
    handler: async (request, reply) => {
      await connections.remove(actorOf(request), request.params.connectionId);
      return reply.status(204).send(null);
    },
  });

  app.post('/v1/sso/connections/:connectionId/test', {
    config: { access },
    schema: {
      tags,
      security,
      summary: "Run discovery against the connection's issuer: what was found, or what is wrong in a sentence",
      params: connectionParams,
      body: z.strictObject({}).nullish(),
      response: { 200: connectionTestSchema },
    },
    handler: (request) => connections.test(actorOf(request), request.params.connectionId),
  });

  app.post('/v1/sso/discover', {
    config: { access: 'public', rateLimit: authRateLimit },
    schema: {
      tags,
      summary:
        'Whether an email (by its domain) or a tenant (by its sign-in slug) signs in through single sign-on, and where to begin',
      body: discoverBody,
      response: { 200: discoverSchema },
    },
    handler: (request) => signIn.discover(request.body),
  });

  app.get('/v1/sso/start/:slug', {
    config: {
      access: 'public',
      rateLimit: authRateLimit,
      docs: {
        otherAnswers: {
          302: { description: "Redirect to the identity provider's sign-in page", mediaType: 'text/plain' },
        },
      },
    },
    schema: {
      tags,
      summary: "Begin a single sign-on: redirects to the tenant's identity provider",
      params: startParams,
      querystring: startQuery,
    },
    errorHandler: answerAsPage,
    handler: async (request, reply) => {
      const started = await signIn.start(request.params.slug, request.query.loginHint);
      // Sent only to the callback, on the provider's redirect (Lax).
      void reply.setCookie(started.bindingCookie.name, started.bindingCookie.value, {
        httpOnly: true,
        sameSite: 'lax',
        secure: request.protocol === 'https',
        path: callbackPath,
        maxAge: attemptLifetimeMs / 1000,
      });
      return reply.redirect(started.redirectUrl, 302);
    },
  });

  app.get(callbackPath, {
    config: {
      access: 'public',
      rateLimit: authRateLimit,
      docs: {
        otherAnswers: {
          303: {
            description: 'Signed in: redirect to the console, with the session cookie set',
            mediaType: 'text/plain',
          },
        },
      },
    },
    schema: {
      tags,
      summary: 'Where the identity provider sends the browser back; starts the session',
      querystring: callbackQuery,
    },
    errorHandler: answerAsPage,
    handler: async (request, reply) => {
      const { state } = request.query;
      const bindingCookieName = state === undefined ? undefined : bindingCookieNameOf(state);
      if (bindingCookieName) void reply.clearCookie(bindingCookieName, { path: callbackPath });
      const session = await signIn.finish({
        rawQuery: request.url.slice(request.url.indexOf('?') + 1),
        state,
        browserBinding: bindingCookieName && request.cookies[bindingCookieName],
      });
      // The cookie lasts as long as the sign-in can (SSO_SESSION_MAX_HOURS), not a password one's.
      const sessionMaxSeconds = Math.min(options.refreshTokenTtlDays * 86_400, options.ssoSessionMaxHours * 3_600);
      setSessionCookie(request, reply, session, sessionMaxSeconds);
      return reply.redirect('/', 303);
    },
  });

  // The provider posts a form (OpenID Connect Back-Channel Logout 1.0), a body no other route takes:
  // its parser lives in a scope of this route alone.
  void app.register(async (scope: App) => {
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: logoutFormMaxBytes },
      (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );
    scope.post('/v1/sso/backchannel-logout/:slug', {
      config: { access: 'public' },
      schema: {
        tags,
        summary:
          "Where the tenant's identity provider posts a logout token when a person signs out there: the sessions single sign-on began for them end",
        params: startParams,
        body: backChannelLogoutBody,
        response: { 200: backChannelLogoutSchema },
      },
      handler: async (request, reply) => {
        void reply.header('cache-control', 'no-store');
        return signIn.logoutFromProvider(request.params.slug, request.body.logout_token);
      },
    });
  });

  // Under /v1/auth, where the console's session cookie is sent.
  app.post('/v1/auth/sso/logout', {
    config: { access: 'public' },
    schema: {
      tags,
      summary: "End the session (as /v1/auth/logout does) and get the identity provider's end-session URL, if any",
      body: refreshBody.nullish(),
      response: { 200: ssoLogoutSchema },
    },
    handler: async (request, reply) => {
      const token = request.body?.refreshToken ?? request.cookies[refreshCookieName];
      if (!token) {
        throw new AppError(
          'validation_failed',
          "No session to end: send the session's refresh token as refreshToken in the body, or its session cookie",
        );
      }
      const answer = await signIn.logout(token);
      void reply.clearCookie(refreshCookieName, { path: '/v1/auth' });
      return answer;
    },
  });
}

/**
 * The browser legs of a sign-in are page loads, not API calls: a person who meets a refusal there reads
 * a page with the sentence and a way back (same status, never a session); API clients get problem+json.
 */
function answerAsPage(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const appError = toAppError(error, request);
  logFailure(request, error, appError);
  if (!request.headers.accept?.includes('text/html')) {
    void sendProblem(reply, appError);
    return;
  }
  void reply
    .status(appError.status)
    .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
    .type('text/html; charset=utf-8')
    .send(errorPage(appError.message));
}

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);

function errorPage(message: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign-in failed · Parley</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1f2328}</style></head>
<body><h1>Sign-in failed</h1><p id="sso-error">${escapeHtml(message)}</p><p><a href="/">Back to sign-in</a></p></body></html>`;
}
