import { z } from 'zod';
import { providerKinds } from '../../platform/db/schema/agents.js';
import { httpUrl, pageOf, patchBody } from '../../platform/http/common-schemas.js';
import type { ProviderRow } from './providers.repository.js';

/** Used as the prefix of model references (`<name>:<model>`), so it follows their rule. */
const nameSchema = z
  .string()
  .max(40)
  .regex(
    /^[a-z][a-z0-9-]{0,39}$/,
    'must start with a lowercase letter and use only lowercase letters, digits and dashes',
  );
const kindSchema = z.enum(providerKinds);
const apiKeySchema = z.string().trim().min(1).max(4096);
const settingsSchema = z
  .record(
    z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,39}$/, 'setting names are letters, digits and _'),
    z.string().max(200),
  )
  .refine((settings) => Object.keys(settings).length <= 20, 'at most 20 settings');
const modelsSchema = z.array(z.string().trim().min(1).max(200)).max(100);

export const createProviderBody = z.strictObject({
  name: nameSchema,
  kind: kindSchema,
  baseUrl: httpUrl.optional(),
  /** Stored encrypted; never returned. */
  apiKey: apiKeySchema.optional(),
  /** Kind-specific values, e.g. Azure's `resourceName` and `apiVersion`. */
  settings: settingsSchema.default({}),
  /** Model ids to offer in pickers, e.g. Azure deployment names. */
  models: modelsSchema.default([]),
});
export type CreateProviderInput = z.infer<typeof createProviderBody>;

/** `null` clears `baseUrl` or removes the stored API key. */
export const updateProviderBody = patchBody({
  name: nameSchema.optional(),
  kind: kindSchema.optional(),
  baseUrl: httpUrl.nullable().optional(),
  apiKey: apiKeySchema.nullable().optional(),
  settings: settingsSchema.optional(),
  models: modelsSchema.optional(),
});
export type UpdateProviderInput = z.infer<typeof updateProviderBody>;

export const providerSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  kind: kindSchema,
  baseUrl: z.string().nullable(),
  hasApiKey: z.boolean(),
  settings: z.record(z.string(), z.string()),
  models: z.array(z.string()),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type ProviderView = z.infer<typeof providerSchema>;

export const providerPageSchema = pageOf(providerSchema);

/** What an agent's model picker offers: model refs of the tenant's and the server's providers, and `offline`. */
export const modelChoicesSchema = z.object({
  models: z.array(z.string()),
  /** What an agent created without a model uses. */
  defaultModel: z.string(),
});
export type ModelChoicesView = z.infer<typeof modelChoicesSchema>;

/** The encrypted key stays behind: callers learn only whether one is set. */
export const presentProvider = (provider: ProviderRow): ProviderView => ({
  id: provider.id,
  name: provider.name,
  kind: provider.kind,
  baseUrl: provider.baseUrl,
  hasApiKey: provider.encryptedApiKey !== null,
  settings: provider.settings,
  models: provider.models,
  createdAt: provider.createdAt.toISOString(),
  updatedAt: provider.updatedAt.toISOString(),
});
