import type { EmbeddingModelV3, EmbeddingModelV3CallOptions, EmbeddingModelV3Result } from '@ai-sdk/provider';
import { defaultFeatureWeights, textFeatures, type FeatureWeights } from './offline-text-features.js';

export const offlineEmbeddingDimensions = 384;

export interface OfflineEmbeddingOptions {
  readonly dimensions?: number;
  readonly weights?: FeatureWeights;
}

/**
 * The built-in `offline` embedding model: no download, no network, the same vector for the same text
 * on every machine. Signed feature hashing (Weinberger et al.) of word, bigram and character n-gram
 * features with sublinear counts, L2-normalised so pgvector's cosine distance compares them.
 * Lexical at heart, it adds what BM25 lacks (partial words, word pairs) to hybrid search.
 */
export function createOfflineEmbeddingModel(options: OfflineEmbeddingOptions = {}): EmbeddingModelV3 {
  const dimensions = options.dimensions ?? offlineEmbeddingDimensions;
  const weights = options.weights ?? defaultFeatureWeights;
  return {
    specificationVersion: 'v3',
    provider: 'parley',
    modelId: 'offline',
    maxEmbeddingsPerCall: Infinity,
    supportsParallelCalls: false,
    async doEmbed(call: EmbeddingModelV3CallOptions): Promise<EmbeddingModelV3Result> {
      call.abortSignal?.throwIfAborted();
      return {
        embeddings: call.values.map((text) => embedText(text, dimensions, weights)),
        usage: { tokens: 0 },
        warnings: [],
      };
    },
  };
}

export function embedText(text: string, dimensions: number, weights: FeatureWeights = defaultFeatureWeights): number[] {
  const vector = new Float64Array(dimensions);
  for (const [feature, count] of textFeatures(text, weights)) {
    const hash = fnv1a(feature);
    const bucket = hash % dimensions;
    // A second, independent bit picks the sign, so collisions cancel out on average instead of adding up.
    const sign = (fnv1a(`~${feature}`) & 1) === 0 ? 1 : -1;
    vector[bucket]! += sign * sublinear(count);
  }
  let norm = 0;
  for (const value of vector) norm += value * value;
  norm = Math.sqrt(norm);
  return Array.from(vector, (value) => (norm > 0 ? value / norm : 0));
}

/** 1 + ln(count) above one occurrence, so a repeated word counts less and less; weights below 1 as they are. */
function sublinear(count: number): number {
  return count > 1 ? 1 + Math.log(count) : count;
}

/** 32-bit FNV-1a over UTF-16 code units: fast, stable across platforms, good enough spread for hashing. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
