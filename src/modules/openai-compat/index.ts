import type { App } from '../../platform/http/types.js';
import type { Logger } from '../../platform/logger.js';
import type { Shutdown } from '../../platform/shutdown.js';
import type { ModelResolver, ModelStreamDeps, PassageSearch, ReplySlots } from '../chat/index.js';
import type { AgentDirectory } from '../conversations/index.js';
import { registerOpenAICompatRoutes } from './openai-compat.routes.js';
import { createOpenAICompatService } from './openai-compat.service.js';

export interface OpenAICompatModuleDeps {
  readonly agents: Pick<AgentDirectory, 'findUsable' | 'listUsable' | 'findUsableNamed'>;
  readonly resolveModel: ModelResolver;
  readonly modelStream: ModelStreamDeps;
  readonly modelTimeoutMs: number;
  readonly heartbeatMs?: number;
  /** Agents with knowledge sources answer from them here too (the chat turn's retrieval). */
  readonly knowledgeSearch?: PassageSearch;
  /** The per-user bound on replies at once, shared with chat turns. */
  readonly slots: ReplySlots;
  /** The node's stop, shared with chat turns. */
  readonly shutdown: Shutdown;
  readonly logger: Pick<Logger, 'warn'>;
}

export function createOpenAICompatModule(deps: OpenAICompatModuleDeps) {
  const service = createOpenAICompatService(deps);
  return {
    service,
    registerRoutes: (app: App) => registerOpenAICompatRoutes(app, service, { heartbeatMs: deps.heartbeatMs ?? 15_000 }),
  };
}

export type { OpenAICompatService } from './openai-compat.service.js';
