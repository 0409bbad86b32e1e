import type { Role } from '../../ui/roles';

/** An API key as `/v1/api-keys` lists it: never the key itself. */
export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  role: Role;
  userId: string;
  lastUsedAt: string | null;
  createdAt: string;
}

/** Only the create response carries the key itself, once. */
export interface CreatedApiKey extends ApiKey {
  key: string;
}

export const apiKeysPath = '/api-keys';
export const apiKeysQueryKey = ['api-keys'] as const;
