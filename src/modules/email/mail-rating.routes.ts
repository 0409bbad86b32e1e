import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { logFailure, toAppError } from '../../platform/http/error-handler.js';
import { addressKey } from '../../platform/http/rate-limits.js';
import type { App } from '../../platform/http/types.js';
import { ratedPage, ratingErrorPage, ratingFormPage, ratingPageCsp } from './mail-rating-page.js';
import type { MailRating } from './mail-rating.service.js';

const tags = ['email'];
/** A form of a rating and a comment: a few kilobytes at most. */
const ratingFormMaxBytes = 16 * 1024;

const tokenParams = z.object({ token: z.string().min(1).max(1000) });
const ratingForm = z.object({
  rating: z.coerce.number().int().min(1, 'must be 1 to 5').max(5, 'must be 1 to 5'),
  comment: z.string().trim().max(2000).optional(),
});
const htmlPage = z.string();

/** A person meets a refusal here in a browser: a page with the sentence, at the same status (never a 5xx text). */
function answerAsPage(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const appError = toAppError(error, request);
  logFailure(request, error, appError);
  const message =
    appError.code === 'validation_failed'
      ? 'Choose a rating from 1 to 5 (and a comment of at most 2,000 characters), then send the form again.'
      : appError.message;
  void reply
    .status(appError.status)
    .header('content-security-policy', ratingPageCsp)
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(ratingErrorPage(message));
}

/**
 * The public rating page a rating request's signed link opens (docs/email-inbox.md, "Rating by mail"):
 * no account, rate-limited per address as the widget's public routes are, HTML in and out.
 */
export function registerMailRatingRoutes(app: App, deps: { readonly rating: MailRating; readonly perMinute: number }) {
  const config = {
    access: 'public',
    rateLimit: { max: deps.perMinute * 10, timeWindow: '1 minute', keyGenerator: addressKey },
  } as const;
  const asPage = (reply: FastifyReply, html: string) =>
    reply
      .header('content-security-policy', ratingPageCsp)
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .type('text/html; charset=utf-8')
      .send(html);

  void app.register(async (scope: App) => {
    // The page's form posts urlencoded, a body no other route takes: its parser lives in this scope alone.
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: ratingFormMaxBytes },
      (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );

    scope.get('/v1/mail-ratings/:token', {
      config,
      schema: {
        tags,
        summary: "The rating page of a rating request's link (HTML)",
        params: tokenParams,
        response: { 200: htmlPage },
      },
      errorHandler: answerAsPage,
      handler: async (request, reply) => {
        const state = await deps.rating.pageState(request.params.token);
        return asPage(
          reply,
          state.kind === 'form' ? ratingFormPage(state.inboxName) : ratedPage(state.inboxName, state.rating, false),
        );
      },
    });

    scope.post('/v1/mail-ratings/:token', {
      config,
      schema: {
        tags,
        summary: "Rate a resolved email conversation (1–5) through its rating link's form, once per resolution",
        params: tokenParams,
        body: ratingForm,
        response: { 200: htmlPage },
      },
      errorHandler: answerAsPage,
      handler: async (request, reply) => {
        const { rating, comment } = request.body;
        const rated = await deps.rating.rate(request.params.token, { rating, ...(comment && { comment }) });
        return asPage(reply, ratedPage(rated.inboxName, rating, true));
      },
    });
  });
}
