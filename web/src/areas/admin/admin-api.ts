import type { Role } from '../../ui/roles';

/** The shapes the administration endpoints answer with, as the server's *.schemas.ts declare them. */
export interface TenantUser {
  id: string;
  tenantId: string;
  email: string;
  displayName: string | null;
  role: Role;
  disabled: boolean;
  createdAt: string;
}

export const providerKinds = ['openai', 'azure', 'anthropic', 'openai-compatible', 'cohere'] as const;
export type ProviderKind = (typeof providerKinds)[number];

/** A stored API key is never part of it: only whether one is set. */
export interface Provider {
  id: string;
  name: string;
  kind: ProviderKind;
  baseUrl: string | null;
  hasApiKey: boolean;
  settings: Record<string, string>;
  models: string[];
  createdAt: string;
  updatedAt: string;
}

export interface Tenant {
  id: string;
  name: string;
  createdAt: string;
}

export interface CreatedTenant extends Tenant {
  admin: TenantUser | null;
}

export const adminKeys = {
  users: ['users'] as const,
  /** Also the prefix of the agents' model picker, which changes with the providers. */
  providers: ['providers'] as const,
  providerList: ['providers', 'list'] as const,
  provider: (id: string) => ['providers', 'one', id] as const,
  tenants: ['tenants'] as const,
};
