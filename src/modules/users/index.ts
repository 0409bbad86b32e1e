import type { Database } from '../../platform/db/client.js';
import type { PasswordHasher } from '../auth/passwords.js';
import { createAuthRepository } from '../auth/auth.repository.js';
import { createUsersRepository } from './users.repository.js';
import { registerUsersRoutes } from './users.routes.js';
import { createUsersService } from './users.service.js';

export interface UsersModuleDeps {
  readonly db: Database;
  readonly passwords: PasswordHasher;
  /** Stops the replies of a deleted or disabled user's conversations. */
  readonly stopRepliesOf: (userId: string) => void;
  readonly onCredentialsChanged?: (userId: string) => void;
}

export function createUsersModule(deps: UsersModuleDeps) {
  const repository = createUsersRepository();
  const service = createUsersService({
    db: deps.db,
    passwords: deps.passwords,
    repository,
    credentials: createAuthRepository(),
    stopRepliesOf: deps.stopRepliesOf,
    onCredentialsChanged: deps.onCredentialsChanged,
  });
  return { service, repository, registerRoutes: registerUsersRoutes };
}

export type { UsersService } from './users.service.js';
export type { UsersRepository } from './users.repository.js';
