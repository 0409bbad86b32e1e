import { z } from 'zod';
import { agentVisibilities } from '../../platform/db/schema/agents.js';
import { pageOf, patchBody, visibleText } from '../../platform/http/common-schemas.js';
import type { AgentRow } from './agents.repository.js';
import { modelRefSchema } from './model-ref-schema.js';
import { toolKeysSchema } from './tool-catalog.js';

export { modelRefSchema };
import { companionSettingsPatch, companionSettingsSchema, readCompanionSettings } from './companion-settings.js';

const nameSchema = visibleText(100);
const instructionsSchema = z.string().max(20_000);
const temperatureSchema = z.number().min(0).max(2);
const maxOutputTokensSchema = z.number().int().min(1).max(1_000_000);
const visibilitySchema = z.enum(agentVisibilities);
export const maxKnowledgeSources = 20;
/** The knowledge sources the agent answers from, replaced whole on every write. */
const knowledgeSourceIdsSchema = z
  .array(z.uuid('must be knowledge source ids (UUIDs)'))
  .max(maxKnowledgeSources, `an agent can answer from at most ${maxKnowledgeSources} knowledge sources`);

export const createAgentBody = z.strictObject({
  name: nameSchema,
  instructions: instructionsSchema.default(''),
  /** Absent: the tenant's default model, as the model picker offers it (agents.service.ts). */
  model: modelRefSchema.optional(),
  temperature: temperatureSchema.optional(),
  maxOutputTokens: maxOutputTokensSchema.optional(),
  /** Members may only create `private` agents (their default); admins default to `tenant`. */
  visibility: visibilitySchema.optional(),
  knowledgeSourceIds: knowledgeSourceIdsSchema.default([]),
  toolKeys: toolKeysSchema.default([]),
  /** Companion features (docs/companion.md); what is left out takes its default. */
  companion: companionSettingsPatch.optional(),
});
export type CreateAgentInput = z.infer<typeof createAgentBody>;

export const updateAgentBody = patchBody({
  name: nameSchema.optional(),
  instructions: instructionsSchema.optional(),
  model: modelRefSchema.optional(),
  temperature: temperatureSchema.nullable().optional(),
  maxOutputTokens: maxOutputTokensSchema.nullable().optional(),
  visibility: visibilitySchema.optional(),
  knowledgeSourceIds: knowledgeSourceIdsSchema.optional(),
  toolKeys: toolKeysSchema.optional(),
  /** Only the settings sent change; the others are kept. */
  companion: companionSettingsPatch.optional(),
});
export type UpdateAgentInput = z.infer<typeof updateAgentBody>;

export const agentSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  /**
   * The agent's system prompt: only for those who may change the agent (its owner, an administrator).
   * A member using a tenant-wide agent gets its name and model, never what it was told (issue 33).
   */
  instructions: z.string().optional(),
  model: z.string(),
  temperature: z.number().nullable(),
  maxOutputTokens: z.number().int().nullable(),
  visibility: visibilitySchema,
  ownerId: z.uuid().nullable(),
  createdBy: z.uuid().nullable(),
  knowledgeSourceIds: z.array(z.uuid()),
  toolKeys: z.array(z.string()),
  /** Every companion setting, defaults filled in. */
  companion: companionSettingsSchema,
  /** The version these settings are (GET /v1/agents/{id}/versions): what conversations use. */
  publishedVersion: z.number().int(),
  /** The version saved but not yet published, if any. */
  draftVersion: z.number().int().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type AgentView = z.infer<typeof agentSchema>;

export const agentPageSchema = pageOf(agentSchema);

/** `canEdit`: whether the caller may change the agent, and so read its instructions. */
export const presentAgent = (agent: AgentRow, canEdit: boolean): AgentView => ({
  id: agent.id,
  name: agent.name,
  ...(canEdit && { instructions: agent.instructions }),
  model: agent.model,
  temperature: agent.temperature,
  maxOutputTokens: agent.maxOutputTokens,
  visibility: agent.visibility,
  ownerId: agent.ownerId,
  createdBy: agent.createdBy,
  knowledgeSourceIds: agent.knowledgeSourceIds,
  toolKeys: agent.toolKeys,
  companion: readCompanionSettings(agent.companion),
  publishedVersion: agent.publishedVersion,
  draftVersion: agent.draftVersion,
  createdAt: agent.createdAt.toISOString(),
  updatedAt: agent.updatedAt.toISOString(),
});
