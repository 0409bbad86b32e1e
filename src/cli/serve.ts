import { buildApp } from '../app.js';
import { ConfigError, type Config } from '../config.js';
import { createMaintenanceModule, namedStorageKeysSql, scheduleMaintenance } from '../modules/maintenance/index.js';
import { removeBackupLeftovers } from '../platform/backup/backup-workspace.js';
import { openControlSocket, type ControlSocket } from '../platform/backup/control-socket.js';
import { openEmbeddedBackup } from '../platform/backup/embedded-backup.js';
import type { Logger } from '../platform/logger.js';
import { openRuntime, type Runtime } from '../platform/runtime.js';
import { isSecretReplaced } from '../platform/secret-check.js';
import { createShutdown } from '../platform/shutdown.js';
import { createDirectoryStorage } from '../platform/storage/index.js';
import { boundedBy, timedOut } from '../platform/time-bound.js';
import type { TracingExport } from '../platform/tracing/start-tracing.js';

// How often to see whether this node's server secret was replaced under it.
const secretCheckIntervalMs = 60_000;
// Stored files no row names any more: reading the whole files directory is worth doing now and then.
const storedFilesSweepIntervalMs = 60 * 60_000;
// Embedded storage has no checkpointer (a single PostgreSQL backend): without one its WAL only grows,
// and so does the replay after a crash. Every minute: between two, heavy indexing wrote ~250 MB of WAL
// in 5 minutes (an audit), and a checkpoint of 16 MB of shared buffers takes ~0.1 s.
const embeddedCheckpointIntervalMs = 60_000;
// After the grace period, how long the turns cut short get to store their reply and tell their clients.
const interruptedTurnsSettleMs = 5_000;
// While stopping, how often connections that finished their last response are closed.
const idleConnectionsCheckMs = 50;
// How long closing storage may take before the process exits without it (a database that hangs).
const storageCloseBoundMs = 5_000;

export async function serve(config: Config, logger: Logger, tracing?: TracingExport): Promise<void> {
  const startingUp = stopDuringStartUp(logger);
  const runtime = await openRuntime(config, logger, { migrate: true });
  const shutdown = createShutdown();
  const app = await buildApp({ config, logger, ...runtime, shutdown });
  const maintenance = createMaintenanceModule({
    db: runtime.database.db,
    logger,
    modelTimeoutMs: config.modelTimeoutMs,
    storage: createDirectoryStorage(config.filesDir),
    replyStaleAfterMs: config.replyLeaseStaleMs,
    // Watchers of a reply the sweep fails, on any node, hear its final `error` event.
    onRepliesAbandoned: (replies) => app.publishAbandonedReplies(replies),
  });
  // On PostgreSQL other nodes may be writing theirs; there the lease sweep below finds the lost ones.
  if (runtime.database.kind === 'embedded') await maintenance.service.failRepliesOfEarlierRun();
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    // The app is ready by now (its job queue runs): it stops before the database it works on closes.
    await app.close().catch(() => undefined);
    await runtime.close().catch(() => undefined);
    throw listenFailure(error, config);
  }
  startingUp.end();
  // Embedded, this process holds the data directory: `parley backup` asks it for the snapshot (ADR 30).
  const control = runtime.database.kind === 'embedded' ? await openBackupControl(config, runtime, logger) : undefined;
  if (config.isPublicUrlDerived) {
    logger.info(
      { publicUrl: config.publicUrl },
      'PUBLIC_URL is not set: single sign-on sends people back to this address; set PUBLIC_URL to the address people open Parley at',
    );
  }
  // In the background: it reads every stored file's name, which a large install takes seconds over.
  void maintenance.service
    .reportMissingStoredFiles()
    .catch((error: unknown) => logger.warn({ err: error }, 'checking the stored files failed'));
  const sweeps = [
    // MAINTENANCE_SWEEP_INTERVAL_MS: a reply whose node was killed is marked interrupted that soon after its lease went stale.
    scheduleMaintenance(() => maintenance.service.sweep(), logger, config.maintenanceSweepIntervalMs),
    scheduleMaintenance(() => maintenance.service.sweepStoredFiles(), logger, storedFilesSweepIntervalMs),
    scheduleMaintenance(secretReplacedWarning(runtime, logger), logger, secretCheckIntervalMs),
  ];
  if (runtime.database.kind === 'embedded') {
    sweeps.push(
      scheduleMaintenance(() => runtime.database.executeSql('checkpoint'), logger, embeddedCheckpointIntervalMs),
    );
  }

  let isStopping = false;
  const stop = async (signal: string) => {
    if (isStopping) return;
    isStopping = true;
    for (const sweep of sweeps) sweep.stop();
    control?.close();
    shutdown.beginDraining();
    logger.info({ signal }, 'shutting down: no new connections or turns, finishing streams in flight');
    // Streams and turns in flight get a bounded grace period. A turn still running then is cut short:
    // it stores its reply as interrupted and tells its client, while the database is still open.
    // A database that stopped answering makes closing fail (the job queue's last query); the process
    // must still exit, so that failure is logged rather than thrown.
    const closed = app.close().catch((error: unknown) => logger.warn({ err: error }, 'closing the app failed'));
    // Closing drops the connections idle at its start; one whose stream ends later stays open as a
    // keep-alive until its client drops it (4 s for Node's fetch, minutes for a browser), and holds the
    // close that long. Each is closed as soon as it falls idle instead.
    const idleCloser = setInterval(() => app.server.closeIdleConnections(), idleConnectionsCheckMs);
    void closed.finally(() => clearInterval(idleCloser));
    if ((await boundedBy(closed, config.shutdownGraceMs)) === timedOut) {
      logger.warn({ graceMs: config.shutdownGraceMs }, 'grace period over; ending the turns still running');
      shutdown.endRunningWork();
      if ((await boundedBy(closed, interruptedTurnsSettleMs)) === timedOut) {
        logger.warn('closing remaining connections');
        app.server.closeAllConnections();
      }
    }
    // A database that hangs would hold `close` for ever: the process exits regardless.
    const storage = await boundedBy(
      runtime.close().catch((error: unknown) => logger.warn({ err: error }, 'closing storage failed')),
      storageCloseBoundMs,
    );
    if (storage === timedOut) logger.warn('closing storage did not finish in time; exiting without it');
    // The last spans and metrics, sent before the process goes (bounded: a collector that is away).
    if (tracing) await boundedBy(tracing.shutdown(), storageCloseBoundMs);
    logger.info('stopped');
    logger.flush();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

/**
 * A stop asked for before the server listens (a unit restarted while a node waits for another's
 * migrations, Ctrl-C during a first start's initdb) ended the process without a word, as a crash
 * would. It still ends at once, since start-up may wait for ever; what it had committed stays, as
 * after any kill, and the next start carries on from there.
 */
function stopDuringStartUp(logger: Logger) {
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'stopping during start-up, before the server listened');
    logger.flush();
    process.exit(0);
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  return {
    end() {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    },
  };
}

/**
 * The control socket through which `parley backup` asks this process for a backup, once what a backup
 * cut short by an earlier run left in DATA_DIR is gone (a copy of the database, at worst). A socket that
 * does not open costs online backups only: the server starts regardless.
 */
async function openBackupControl(config: Config, runtime: Runtime, logger: Logger): Promise<ControlSocket | undefined> {
  try {
    await removeBackupLeftovers(config.dataDir);
    return await openControlSocket({
      dataDir: config.dataDir,
      logger,
      makeBackup: () =>
        openEmbeddedBackup({ database: runtime.database, dataDir: config.dataDir, namedStorageKeysSql }),
    });
  } catch (error) {
    logger.warn({ err: error }, 'the control socket did not open: parley backup cannot reach this server');
    return undefined;
  }
}

/**
 * Says, once, that `parley admin accept-secret` gave the storage another secret while this node ran:
 * its tokens are refused by the other nodes from then on, and /ready answers 503 until it restarts.
 */
function secretReplacedWarning(runtime: Runtime, logger: Logger): () => Promise<void> {
  let hasWarned = false;
  return async () => {
    if (hasWarned || !(await isSecretReplaced(runtime.database, runtime.keys))) return;
    hasWarned = true;
    logger.error(
      "this node's server secret is no longer the storage's (`parley admin accept-secret` changed it): restart it with the new secret; until then /ready answers 503",
    );
  };
}

/** Why the server could not listen, naming the variable to change; other failures pass unchanged. */
function listenFailure(error: unknown, config: Config): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  const where = `${config.host}:${config.port}`;
  switch (code) {
    case 'EADDRINUSE':
      return new ConfigError(
        `Cannot listen on ${where}: the port is in use; stop what holds it or set PORT to another`,
      );
    case 'EACCES':
      return new ConfigError(`Cannot listen on ${where}: this user may not open that port; set PORT to 1024 or above`);
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ConfigError(
        `Invalid environment variable HOST: ${config.host} is not an address of this machine; set it to one, e.g. 0.0.0.0 or 127.0.0.1`,
      );
    default:
      return error;
  }
}
