import type { FastifyRequest } from 'fastify';
import { AppError } from '../../platform/errors.js';

export const widgetApiPrefix = '/v1/widget/';

export const isWidgetApiUrl = (url: string): boolean => url.startsWith(widgetApiPrefix);

/**
 * The panel's own requests come from Parley's origin (it runs in an iframe Parley serves, whose
 * `frame-ancestors` lets only the inbox's allowed origins embed it); it names the page that embeds it
 * in this header. Any other caller is judged by the `Origin` its browser sends.
 */
export const embedderHeader = 'x-parley-embedder';

/** The site a widget request is made for: the page's origin, or the embedding page's for the panel. */
export function siteOriginOf(request: FastifyRequest): string | undefined {
  const origin = request.headers.origin;
  if (origin && !isParleyOrigin(request, origin)) return origin;
  const embedder = request.headers[embedderHeader];
  return typeof embedder === 'string' ? embedder : undefined;
}

/** Refuses (403, with a sentence) a request from a site the inbox does not list. */
export function requireAllowedOrigin(request: FastifyRequest, allowedOrigins: readonly string[]): void {
  const origin = siteOriginOf(request);
  if (!origin) {
    throw new AppError(
      'forbidden',
      'The widget API answers pages of the sites an inbox allows, and this request named none (no Origin header)',
    );
  }
  // Parley's own pages: the console's Inbox settings preview frames the panel (frame-ancestors 'self').
  if (!allowedOrigins.includes(origin) && !isParleyOrigin(request, origin)) {
    throw new AppError(
      'forbidden',
      `This inbox's widget may not be used on ${origin.slice(0, 200)}: add that origin to the inbox's allowed origins`,
    );
  }
}

function isParleyOrigin(request: FastifyRequest, origin: string): boolean {
  return URL.canParse(origin) && new URL(origin).host === request.headers.host;
}
