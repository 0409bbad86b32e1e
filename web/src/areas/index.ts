import { administrationArea } from './admin/admin-area';
import { agentsArea } from './agents/agents-area';
import { analyticsArea } from './analytics/analytics-area';
import { apiKeysArea } from './api-keys/api-keys-area';
import { chatArea } from './chat';
import type { ConsoleArea } from './console-area';
import { contactsArea } from './contacts/contacts-area';
import { evaluationsArea } from './evaluations/evaluations-area';
import { inboxArea } from './inbox/inbox-area';
import { inboxSettingsArea } from './inbox-settings/inbox-settings-area';
import { knowledgeArea } from './knowledge/knowledge-area';
import { profileArea } from './profile/profile-area';
import { toolsArea } from './tools/tools-area';

/** Every area of the console, in navigation order. Add a new area here. */
export const consoleAreas: readonly ConsoleArea[] = [
  chatArea,
  inboxArea,
  contactsArea,
  agentsArea,
  evaluationsArea,
  knowledgeArea,
  toolsArea,
  apiKeysArea,
  inboxSettingsArea,
  analyticsArea,
  administrationArea,
  profileArea,
];
