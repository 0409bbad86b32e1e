import type { EmbedderRegistry } from '../../../ai/embeddings/embedder-types.js';
import type { TenantProviderConfig } from '../../../ai/model-types.js';
import type { Database } from '../../../platform/db/client.js';
import type { KnowledgeSearch } from './knowledge-search.types.js';

export type { KnowledgeSearch, SearchHit, SearchMode, SearchRequest } from './knowledge-search.types.js';

export interface KnowledgeSearchDeps {
  readonly db: Database;
  readonly embedders: EmbedderRegistry;
  readonly loadTenantProviders: (tenantId: string) => Promise<readonly TenantProviderConfig[]>;
}

export function createKnowledgeSearch(_deps: KnowledgeSearchDeps): KnowledgeSearch {
  return {
    search() {
      return Promise.reject(new Error('not implemented yet'));
    },
  };
}
