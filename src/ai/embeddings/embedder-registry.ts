import type { Config } from '../../config.js';
import { AppError } from '../../platform/errors.js';
import type { EmbedderRegistry } from './embedder-types.js';

export type { Embedder, EmbedderRegistry } from './embedder-types.js';

export function createEmbedderRegistry(_deps: { config: Pick<Config, 'providers'> }): EmbedderRegistry {
  return {
    resolve() {
      throw new AppError('validation_failed', 'Embedding models are not available yet');
    },
  };
}
