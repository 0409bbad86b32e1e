import { index, integer, pgTable, real, text, uniqueIndex, uuid, jsonb } from 'drizzle-orm/pg-core';
import { createdAt, tenantColumn, updatedAt } from './columns.js';
import { users } from './users.js';

export const providerKinds = ['openai', 'azure', 'anthropic', 'openai-compatible', 'cohere'] as const;
export type ProviderKind = (typeof providerKinds)[number];

/** A tenant's own model provider; the credential is encrypted at rest and never returned. */
export const providers = pgTable(
  'providers',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantColumn(),
    /** The prefix used in model references: `<name>:<model>`. */
    name: text('name').notNull(),
    kind: text('kind', { enum: providerKinds }).notNull(),
    baseUrl: text('base_url'),
    encryptedApiKey: text('encrypted_api_key'),
    settings: jsonb('settings').$type<Record<string, string>>().notNull().default({}),
    models: jsonb('models').$type<string[]>().notNull().default([]),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [uniqueIndex('providers_tenant_name_unique').on(table.tenantId, table.name)],
);

export const agentVisibilities = ['tenant', 'private'] as const;
export type AgentVisibility = (typeof agentVisibilities)[number];

export const agents = pgTable(
  'agents',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantColumn(),
    /** The member who owns a private agent; null for tenant-wide agents. */
    ownerId: uuid('owner_id').references(() => users.id, { onDelete: 'cascade' }),
    visibility: text('visibility', { enum: agentVisibilities }).notNull(),
    name: text('name').notNull(),
    instructions: text('instructions').notNull().default(''),
    model: text('model').notNull(),
    temperature: real('temperature'),
    maxOutputTokens: integer('max_output_tokens'),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    /** Companion features (docs/companion.md), checked by agents/companion-settings.ts; {} is every default. */
    companion: jsonb('companion').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    index('agents_tenant_created_idx').on(table.tenantId, table.createdAt),
    index('agents_owner_idx').on(table.ownerId),
    index('agents_created_by_idx').on(table.createdBy),
  ],
);
