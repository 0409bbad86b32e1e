/**
 * Dimensions of well-known embedding models, so a source can be created without calling the provider.
 * `requested` models are asked for that many dimensions (OpenAI's text-embedding-3 models shorten
 * their vectors on request), because 3072 is beyond what the index supports.
 */
export interface KnownEmbeddingModel {
  readonly dimensions: number;
  readonly requestDimensions?: boolean;
}

const knownModels: Readonly<Record<string, KnownEmbeddingModel>> = {
  'text-embedding-3-small': { dimensions: 1536 },
  'text-embedding-3-large': { dimensions: 1536, requestDimensions: true },
  'text-embedding-ada-002': { dimensions: 1536 },
  'nomic-embed-text': { dimensions: 768 },
  'mxbai-embed-large': { dimensions: 1024 },
  'all-minilm': { dimensions: 384 },
  'bge-m3': { dimensions: 1024 },
  'snowflake-arctic-embed': { dimensions: 1024 },
};

/** Ollama ids carry tags (`nomic-embed-text:latest`, `all-minilm:l6-v2`); the tag does not change the width. */
export function knownEmbeddingModel(modelId: string): KnownEmbeddingModel | undefined {
  const name = modelId.toLowerCase().split(':')[0]!.split('/').at(-1)!;
  return knownModels[name];
}
