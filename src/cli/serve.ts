import { setTimeout as delay } from 'node:timers/promises';
import { buildApp } from '../app.js';
import type { Config } from '../config.js';
import { createMaintenanceModule, scheduleMaintenance } from '../modules/maintenance/index.js';
import type { Logger } from '../platform/logger.js';
import { openRuntime } from '../platform/runtime.js';

const maintenanceIntervalMs = 5 * 60_000;

export async function serve(config: Config, logger: Logger): Promise<void> {
  const runtime = await openRuntime(config, logger, { migrate: true });
  const app = await buildApp({ config, logger, ...runtime });
  await app.listen({ host: config.host, port: config.port });
  const maintenance = createMaintenanceModule({
    db: runtime.database.db,
    logger,
    modelTimeoutMs: config.modelTimeoutMs,
  });
  const sweeps = scheduleMaintenance(maintenance.service, logger, maintenanceIntervalMs);

  let isStopping = false;
  const stop = async (signal: string) => {
    if (isStopping) return;
    isStopping = true;
    sweeps.stop();
    logger.info({ signal }, 'shutting down: no new connections, finishing streams in flight');
    // Streams and turns in flight get a bounded grace period. A turn still running after it is cut off;
    // its reply stays `streaming` and the next maintenance sweep marks it interrupted.
    // A database that stopped answering makes closing fail (the job queue's last query); the process
    // must still exit, so that failure is logged rather than thrown.
    const closed = app.close().then(
      () => 'closed' as const,
      (error: unknown) => {
        logger.warn({ err: error }, 'closing the app failed');
        return 'closed' as const;
      },
    );
    const outcome = await Promise.race([closed, delay(config.shutdownGraceMs, 'timed-out' as const)]);
    if (outcome === 'timed-out') {
      logger.warn({ graceMs: config.shutdownGraceMs }, 'grace period over; closing remaining connections');
      app.server.closeAllConnections();
    }
    await runtime.close().catch((error: unknown) => logger.warn({ err: error }, 'closing storage failed'));
    logger.info('stopped');
    logger.flush();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}
