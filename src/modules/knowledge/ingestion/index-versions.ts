import { offlineFeaturesVersion } from '../../../ai/embeddings/offline-text-features.js';
import { offlineModelRef } from '../../../ai/model-ref.js';

/**
 * What wrote a document's searched passages, as the one number its row keeps (`index_version`):
 *
 * - 0: before 2026-11-28: no spellings (query correction offers nothing), offline features version 1;
 * - 1: spellings recorded (migration 0056), offline features version 2.
 *
 * Raise it when indexing starts storing something new or the offline features change, and say below from
 * which version each kind of source needs it: the start-up pass (index-refresh.ts) reindexes the rest.
 */
export const currentIndexVersion = 1;

/** The first index version that records spellings: every source needs it. */
const spellingsSince = 1;

/** The first index version that wrote each offline features version (offline-text-features.ts). */
export const offlineFeaturesSince: Readonly<Record<number, number>> = { 2: 1 };

/**
 * The oldest index version a source's documents may keep: a provider's vectors do not change with
 * Parley's releases, so only the spellings count for them; an offline source also needs vectors of the
 * offline features in use.
 */
export function requiredIndexVersion(embeddingModel: string): number {
  if (embeddingModel !== offlineModelRef) return spellingsSince;
  return Math.max(spellingsSince, offlineFeaturesSince[offlineFeaturesVersion] ?? currentIndexVersion);
}

/** Today's requirements, as the start-up pass's query reads them. */
export const requiredIndexVersions = {
  offline: requiredIndexVersion(offlineModelRef),
  provider: spellingsSince,
} as const;
