import type { SharedV3Warning } from '@ai-sdk/provider';
import type { Logger } from '../platform/logger.js';
import { createLruCache } from '../platform/lru-cache.js';

export interface ModelWarnings {
  readonly warnings: readonly SharedV3Warning[];
  readonly provider: string;
  readonly model: string;
}

/** Reports what a provider's SDK said it did not send or changed (a setting the model ignores, an unknown model). */
export type ModelWarningLog = (report: ModelWarnings) => void;

/**
 * The SDK's warnings into the structured log, each once per model: "temperature is not supported by
 * claude-x and will be ignored" explains an agent that seems to ignore its settings. The SDK's own
 * default writes them with console.warn, outside the log, on every call; and the plain chat path, which
 * reads the model's stream itself, never showed them at all.
 */
export function createModelWarningLog(logger: Pick<Logger, 'warn'>, remembered = 1000): ModelWarningLog {
  const seen = createLruCache<true>(remembered);
  return ({ warnings, provider, model }) => {
    for (const warning of warnings) {
      const said =
        warning.type === 'other' ? warning.message : `${warning.feature}: ${warning.details ?? warning.type}`;
      const key = `${provider}\n${model}\n${said}`;
      if (seen.get(key)) continue;
      seen.set(key, true);
      logger.warn({ provider, model, warning: warning.type }, `model warning (logged once per model): ${said}`);
    }
  };
}
