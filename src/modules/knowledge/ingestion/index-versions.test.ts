import { describe, expect, it } from 'vitest';
import { offlineFeaturesVersion } from '../../../ai/embeddings/offline-text-features.js';
import {
  currentIndexVersion,
  offlineFeaturesSince,
  requiredIndexVersion,
  requiredIndexVersions,
} from './index-versions.js';

describe('index versions', () => {
  it("asks offline sources for spellings and the features in use, and never re-embeds a provider's unasked", () => {
    expect(requiredIndexVersion('openai:text-embedding-3-small')).toBe(0);
    expect(requiredIndexVersion('offline')).toBe(1);
    expect(requiredIndexVersions).toEqual({ offline: 1, provider: 0 });
  });

  it('never asks for a version indexing does not write yet', () => {
    expect(requiredIndexVersion('offline')).toBeLessThanOrEqual(currentIndexVersion);
    expect(requiredIndexVersion('ollama:nomic-embed-text')).toBeLessThanOrEqual(currentIndexVersion);
  });

  it('is told which index version writes the offline features in use', () => {
    // Raising offlineFeaturesVersion without saying which index version writes it would leave stored
    // vectors of the old features searched against queries embedded with the new ones.
    expect(offlineFeaturesSince[offlineFeaturesVersion]).toBeDefined();
    expect(offlineFeaturesSince[offlineFeaturesVersion]).toBeLessThanOrEqual(currentIndexVersion);
  });
});
