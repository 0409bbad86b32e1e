import type { Config } from '../config.js';
import type { Logger } from '../platform/logger.js';
import { openRuntime } from '../platform/runtime.js';

export async function migrate(config: Config, logger: Logger): Promise<void> {
  const runtime = await openRuntime(config, logger, { migrate: true });
  await runtime.close();
}
