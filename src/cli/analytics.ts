import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import type { Config } from '../config.js';
import { createAnalyticsModule } from '../modules/analytics/index.js';
import { AppError, notFound } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import { openRuntime } from '../platform/runtime.js';

const usage = 'Usage: parley analytics rebuild [--tenant <tenant id>]';

/**
 * `parley analytics rebuild [--tenant <id>]`: recounts the analytics rollups of every tenant, or of one,
 * from the raw rows (docs/analytics.md). Safe while servers run: each tenant is recounted under its lock,
 * and changes written meanwhile are counted by the next pass.
 */
export async function analyticsCommand(config: Config, logger: Logger, argv: readonly string[]): Promise<void> {
  const [subcommand, ...rest] = argv;
  if (subcommand !== 'rebuild') throw new AppError('validation_failed', usage);
  const tenantId = parseRebuildArgs(rest);
  const runtime = await openRuntime(config, logger, { migrate: true });
  try {
    const analytics = createAnalyticsModule({ db: runtime.database.db, logger });
    const tenantIds = await analytics.rollups.tenantIds();
    if (tenantId !== undefined && !tenantIds.includes(tenantId)) throw notFound('Tenant', tenantId);
    const chosen = tenantId === undefined ? tenantIds : [tenantId];
    for (const id of chosen) {
      const started = performance.now();
      await analytics.rollups.rebuildAll([id]);
      logger.info({ tenantId: id, ms: Math.round(performance.now() - started) }, 'analytics rebuilt');
    }
    logger.info({ tenants: chosen.length }, 'analytics rollups rebuilt from the raw rows');
  } finally {
    await runtime.close();
  }
}

function parseRebuildArgs(args: readonly string[]): string | undefined {
  let values;
  try {
    ({ values } = parseArgs({ args: [...args], options: { tenant: { type: 'string' } } }));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      throw new AppError('validation_failed', `${(error as Error).message.replace(/\s*\n\s*/g, ' ')} ${usage}`);
    }
    throw error;
  }
  if (values.tenant === undefined) return undefined;
  if (!z.uuid().safeParse(values.tenant).success) {
    throw new AppError('validation_failed', `--tenant must be a tenant id (a UUID), got '${values.tenant}'. ${usage}`);
  }
  return values.tenant;
}
