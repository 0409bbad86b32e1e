import { prepareDataDir, type Config } from '../config.js';
import { openDatabase, type DatabaseHandle } from './db/client.js';
import { runMigrations } from './db/migrate.js';
import type { Logger } from './logger.js';
import { openRedis } from './redis.js';
import type { Redis } from 'ioredis';
import { loadServerKeys, type ServerKeys } from './secrets.js';

export interface Runtime {
  readonly database: DatabaseHandle;
  readonly keys: ServerKeys;
  readonly redis: Redis | undefined;
  close(): Promise<void>;
}

/** Opens storage and loads keys: the part of start-up shared by `serve`, `migrate` and `admin`. */
export async function openRuntime(config: Config, logger: Logger, options: { migrate: boolean }): Promise<Runtime> {
  prepareDataDir(config.dataDir);
  const keys = loadServerKeys({ secretKey: config.secretKey, dataDir: config.dataDir, logger });
  const database = await openDatabase(
    config.databaseUrl ? { url: config.databaseUrl } : { dataDir: `${config.dataDir}/pglite` },
  );
  logger.info({ storage: database.kind }, config.databaseUrl ? 'connected to PostgreSQL' : 'opened embedded storage');
  if (options.migrate) await runMigrations(database);
  const redis = config.redisUrl ? await openRedis(config.redisUrl, logger) : undefined;
  return {
    database,
    keys,
    redis,
    close: async () => {
      await database.close();
      await redis?.quit();
    },
  };
}
