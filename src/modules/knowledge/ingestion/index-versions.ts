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
 * The oldest index version a source's documents may keep, as the start-up pass enforces it. An offline
 * source needs the spellings and vectors of the offline features in use: reindexing it costs only time.
 * A source on a provider's model is never reindexed unasked: its vectors do not change with Parley's
 * releases, and reindexing would embed every passage again through the provider, billed to its owner,
 * for the spellings alone; its documents get them when someone reindexes them (docs/knowledge.md).
 */
export function requiredIndexVersion(embeddingModel: string): number {
  if (embeddingModel !== offlineModelRef) return 0;
  return Math.max(spellingsSince, offlineFeaturesSince[offlineFeaturesVersion] ?? currentIndexVersion);
}

/** Today's requirements, as the start-up pass's query reads them. */
export const requiredIndexVersions = {
  offline: requiredIndexVersion(offlineModelRef),
  provider: requiredIndexVersion('provider:any'),
} as const;
