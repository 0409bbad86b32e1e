import path from 'node:path';
import { prepareDataDir, type Config } from '../config.js';
import { openDatabase, type DatabaseHandle } from './db/client.js';
import { appliedMigrationCount, runMigrations } from './db/migrate.js';
import type { Logger } from './logger.js';
import { openRedis } from './redis.js';
import type { Redis } from 'ioredis';
import { checkSecretMatchesStorage } from './secret-check.js';
import { loadServerKeys, secretFileName, type ServerKeys } from './secrets.js';
import { unreachableAt } from './storage-unreachable.js';

export interface Runtime {
  readonly database: DatabaseHandle;
  readonly keys: ServerKeys;
  readonly redis: Redis | undefined;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  readonly migrate: boolean;
  /** Record this secret as the storage's own, in place of the one it was made with (`admin accept-secret`). */
  readonly acceptNewSecret?: boolean;
}

/** Opens storage and loads keys: the part of start-up shared by `serve`, `migrate` and `admin`. */
export async function openRuntime(config: Config, logger: Logger, options: RuntimeOptions): Promise<Runtime> {
  prepareDataDir(config.dataDir);
  // Storage first: embedded, opening it claims the data directory, so a second server refused there
  // writes nothing into it (a secret of its own, say).
  const database = await openStorage(config);
  const redis = await openRedisOf(config, logger).catch(async (error: unknown) => {
    await database.close().catch(() => undefined);
    throw error;
  });
  const close = async () => {
    await database.close();
    await redis?.quit();
  };
  try {
    const keys = await loadServerKeys({
      secretKey: config.secretKey,
      dataDir: config.dataDir,
      logger,
      holdsData: async () => (await appliedMigrationCount(database)) > 0,
    });
    logger.info({ storage: database.kind }, config.databaseUrl ? 'connected to PostgreSQL' : 'opened embedded storage');
    if (options.migrate) await runMigrations(database, logger);
    await checkSecretMatchesStorage(database, keys, {
      secretName: config.secretKey
        ? 'PARLEY_SECRET_KEY'
        : `The server secret ${path.join(config.dataDir, secretFileName)}`,
      storageName: config.databaseUrl ? 'the database at DATABASE_URL' : `the data in ${config.dataDir}`,
      acceptNewSecret: options.acceptNewSecret ?? false,
      logger,
    });
    return { database, keys, redis, close };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}

/** The database, with one statement answered: a pool connects lazily, and would fail only at first use. */
async function openStorage(config: Config): Promise<DatabaseHandle> {
  const url = config.databaseUrl;
  const database = await openDatabase(url ? { url } : { dataDir: `${config.dataDir}/pglite` });
  if (!url) return database;
  try {
    await database.executeSql('select 1');
    return database;
  } catch (error) {
    await database.close().catch(() => undefined);
    throw unreachableAt('DATABASE_URL', url, error);
  }
}

async function openRedisOf(config: Config, logger: Logger): Promise<Redis | undefined> {
  const url = config.redisUrl;
  if (!url) return undefined;
  return openRedis(url, logger).catch((error: unknown) => {
    throw unreachableAt('REDIS_URL', url, error);
  });
}
