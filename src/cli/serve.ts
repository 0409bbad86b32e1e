import { buildApp } from '../app.js';
import type { Config } from '../config.js';
import type { Logger } from '../platform/logger.js';
import { openRuntime } from '../platform/runtime.js';

export async function serve(config: Config, logger: Logger): Promise<void> {
  const runtime = await openRuntime(config, logger, { migrate: true });
  const app = await buildApp({ config, logger, ...runtime });
  await app.listen({ host: config.host, port: config.port });

  let isStopping = false;
  const stop = async (signal: string) => {
    if (isStopping) return;
    isStopping = true;
    logger.info({ signal }, 'shutting down: no new connections, finishing streams in flight');
    // Streams in flight get a bounded grace period; after it, connections are cut.
    const forceTimer = setTimeout(() => {
      logger.warn('grace period over; closing remaining connections');
      app.server.closeAllConnections();
    }, config.shutdownGraceMs);
    forceTimer.unref();
    try {
      await app.close();
      await runtime.close();
    } finally {
      clearTimeout(forceTimer);
      logger.info('stopped');
      logger.flush?.();
    }
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}
