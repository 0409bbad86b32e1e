import { z } from 'zod';
import type { DatabaseHandle } from '../../platform/db/client.js';
import { areMigrationsApplied } from '../../platform/db/migrate.js';
import type { App } from '../../platform/http/types.js';
import type { Metrics } from '../../platform/metrics.js';
import { isSecretReplaced } from '../../platform/secret-check.js';
import type { ServerKeys } from '../../platform/secrets.js';
import { boundedBy, timedOut } from '../../platform/time-bound.js';

const tags = ['operations'];
/** Longer than any answer from a database that is up, shorter than a prober's own timeout. */
const readinessBoundMs = 2_000;

export function registerHealthRoutes(
  app: App,
  deps: { database: DatabaseHandle; metrics: Metrics; keys: Pick<ServerKeys, 'fingerprint'> },
): void {
  app.get('/health', {
    config: { access: 'public', rateLimit: false },
    schema: { tags, summary: 'Liveness: the process is up', response: { 200: z.object({ status: z.literal('ok') }) } },
    handler: () => ({ status: 'ok' as const }),
  });

  app.get('/ready', {
    config: { access: 'public', rateLimit: false },
    schema: {
      tags,
      summary: "Readiness: the database answers, every migration is applied, and the node's secret is the storage's",
      response: {
        200: z.object({ status: z.literal('ready'), database: z.string() }),
        503: z.object({ status: z.literal('not_ready'), reason: z.string() }),
      },
    },
    handler: async (_request, reply) => {
      // A database that hangs (rather than refuses) must not hang the probe that asks about it.
      const state = await boundedBy(readiness(deps), readinessBoundMs).catch(() => timedOut);
      if (state === timedOut) {
        return reply.status(503).send({ status: 'not_ready', reason: 'The database does not answer' });
      }
      if (state === 'unmigrated') {
        return reply
          .status(503)
          .send({ status: 'not_ready', reason: 'Database migrations are not applied; run `parley migrate`' });
      }
      if (state === 'secret replaced') {
        return reply.status(503).send({
          status: 'not_ready',
          reason:
            "This node's server secret is no longer the storage's (`parley admin accept-secret` changed it): restart the node with the new secret",
        });
      }
      return { status: 'ready' as const, database: deps.database.kind };
    },
  });

  app.get('/metrics', {
    config: {
      access: 'public',
      rateLimit: false,
      docs: { otherAnswers: { 200: { description: 'The Prometheus text format', mediaType: 'text/plain' } } },
    },
    schema: { tags, summary: 'Prometheus metrics', hide: false },
    handler: async (_request, reply) =>
      reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics()),
  });
}

/** What keeps the node from serving, once the database answers; the secret is checked last. */
async function readiness(deps: {
  database: DatabaseHandle;
  keys: Pick<ServerKeys, 'fingerprint'>;
}): Promise<'ready' | 'unmigrated' | 'secret replaced'> {
  await deps.database.executeSql('select 1');
  if (!(await areMigrationsApplied(deps.database))) return 'unmigrated';
  return (await isSecretReplaced(deps.database, deps.keys)) ? 'secret replaced' : 'ready';
}
