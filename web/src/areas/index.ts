import { administrationArea } from './admin/admin-area';
import { agentsArea } from './agents/agents-area';
import { apiKeysArea } from './api-keys/api-keys-area';
import { chatArea } from './chat';
import type { ConsoleArea } from './console-area';
import { knowledgeArea } from './knowledge/knowledge-area';
import { toolsArea } from './tools/tools-area';

/** Every area of the console, in navigation order. Add a new area here. */
export const consoleAreas: readonly ConsoleArea[] = [
  chatArea,
  agentsArea,
  knowledgeArea,
  toolsArea,
  apiKeysArea,
  administrationArea,
];
