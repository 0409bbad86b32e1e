import { z } from 'zod';
import { pageOf, visibleText } from '../../platform/http/common-schemas.js';
import { roleSchema } from '../auth/auth.schemas.js';
import type { ApiKeyRow } from './api-keys.repository.js';

export const createApiKeyBody = z.strictObject({
  name: visibleText(100),
  /** Defaults to the caller's role; never above it. */
  role: roleSchema.optional(),
});
export type CreateApiKeyInput = z.infer<typeof createApiKeyBody>;

/** What lists show: the prefix tells keys apart; the secret and its hash never leave the server. */
export const apiKeySchema = z.object({
  id: z.uuid(),
  name: z.string(),
  prefix: z.string(),
  role: roleSchema,
  userId: z.uuid(),
  lastUsedAt: z.iso.datetime().nullable(),
  createdAt: z.iso.datetime(),
});
export type ApiKeyView = z.infer<typeof apiKeySchema>;

/** Only the create response carries the key itself, once. */
export const createdApiKeySchema = apiKeySchema.extend({ key: z.string() });
export type CreatedApiKeyView = z.infer<typeof createdApiKeySchema>;

export const apiKeyPageSchema = pageOf(apiKeySchema);

export const presentApiKey = (key: ApiKeyRow): ApiKeyView => ({
  id: key.id,
  name: key.name,
  prefix: key.prefix,
  role: key.role,
  userId: key.userId,
  lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
  createdAt: key.createdAt.toISOString(),
});
