import { index, integer, jsonb, pgTable, primaryKey, real, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
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
    /**
     * The version this row's settings are (agent_versions.number): what every conversation, widget, mail,
     * API call and `/mcp` uses. The row holds the published settings themselves, so nothing that reads an
     * agent reads its versions.
     */
    publishedVersion: integer('published_version').notNull().default(1),
    /** The version saved but not published yet, if any: an agent has at most one draft. */
    draftVersion: integer('draft_version'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    index('agents_tenant_created_idx').on(table.tenantId, table.createdAt),
    index('agents_owner_idx').on(table.ownerId),
    index('agents_created_by_idx').on(table.createdBy),
  ],
);

/** What a version of an agent holds: every setting that changes how it answers (not its name or who may use it). */
export interface AgentSettings {
  readonly instructions: string;
  readonly model: string;
  readonly temperature: number | null;
  readonly maxOutputTokens: number | null;
  readonly knowledgeSourceIds: readonly string[];
  readonly toolKeys: readonly string[];
  readonly companion: Record<string, unknown>;
}

/**
 * Every saved change to an agent's settings, numbered from 1 and never changed once written: the
 * published one is copied into the agent's row, a draft waits here until it is published.
 */
export const agentVersions = pgTable(
  'agent_versions',
  {
    tenantId: tenantColumn(),
    agentId: uuid('agent_id')
      .notNull()
      .references(() => agents.id, { onDelete: 'cascade' }),
    number: integer('number').notNull(),
    settings: jsonb('settings').$type<AgentSettings>().notNull(),
    /** What the person who saved it said of it, if anything. */
    note: text('note'),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    /** When it was last published (a rollback publishes an older one again); null while never published. */
    publishedAt: timestamp('published_at', { withTimezone: true, mode: 'date' }),
    publishedBy: uuid('published_by').references(() => users.id, { onDelete: 'set null' }),
  },
  (table) => [
    primaryKey({ columns: [table.agentId, table.number] }),
    index('agent_versions_tenant_idx').on(table.tenantId),
    index('agent_versions_created_by_idx').on(table.createdBy),
    index('agent_versions_published_by_idx').on(table.publishedBy),
  ],
);
