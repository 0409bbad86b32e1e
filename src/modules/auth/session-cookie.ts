import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../platform/errors.js';
import type { SessionView } from './auth.schemas.js';

/**
 * Browsers keep the refresh token in an HttpOnly, SameSite=Strict cookie scoped to /v1/auth, so page
 * scripts never see it (an XSS cannot steal a long-lived credential) and no other site can send it.
 * API clients that do not ask for the cookie get the token in the body, as before.
 */
export const refreshCookieName = 'parley_refresh';
const cookieModeHeader = 'x-parley-session';

export function wantsCookieSession(request: FastifyRequest): boolean {
  return request.headers[cookieModeHeader] === 'cookie';
}

/** Sends a session: in cookie mode the refresh token goes into the cookie and out of the body. */
export function sendSession(
  request: FastifyRequest,
  reply: FastifyReply,
  session: SessionView,
  options: { status: 200 | 201; maxAgeSeconds: number },
) {
  if (!wantsCookieSession(request)) return reply.status(options.status).send(session);
  setSessionCookie(request, reply, session, options.maxAgeSeconds);
  return reply.status(options.status).send({ ...session, refreshToken: undefined });
}

/** The refresh token into the session cookie: also how a single sign-on's callback hands the console its session. */
export function setSessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  session: SessionView,
  maxAgeSeconds: number,
): void {
  void reply.setCookie(refreshCookieName, session.refreshToken ?? '', {
    httpOnly: true,
    sameSite: 'strict',
    secure: request.protocol === 'https',
    path: '/v1/auth',
    maxAge: maxAgeSeconds,
  });
}

export function clearSessionCookie(reply: FastifyReply): void {
  void reply.clearCookie(refreshCookieName, { path: '/v1/auth' });
}

/** The refresh token from the body, or else from the session cookie. */
export function presentedRefreshToken(request: FastifyRequest, fromBody: string | undefined): string {
  const token = fromBody ?? request.cookies[refreshCookieName];
  if (!token) throw new AppError('unauthenticated', 'No session to refresh; sign in again');
  return token;
}
