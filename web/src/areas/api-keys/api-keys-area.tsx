import type { ConsoleArea } from '../console-area';
import { apiKeysPath } from './api-keys-api';
import { ApiKeysPage } from './api-keys-page';

/**
 * API keys, for every role: a member needs one to use Parley from a program or an MCP client, and
 * sees only their own; administrators see the tenant's.
 */
export const apiKeysArea: ConsoleArea = {
  id: 'api-keys',
  title: 'API keys',
  path: apiKeysPath,
  minimumRole: 'member',
  element: (
    <div className="page">
      <ApiKeysPage />
    </div>
  ),
};
