import { z } from 'zod';
import { pageOf, patchBody, visibleText } from '../../platform/http/common-schemas.js';
import { modelRefSchema } from '../agents/model-ref-schema.js';
import { emailSchema, passwordSchema, tenantSchema, userSchema } from '../auth/auth.schemas.js';

export { presentTenant, tenantSchema, type TenantView } from '../auth/auth.schemas.js';

export const createTenantBody = z.strictObject({
  name: visibleText(100),
  /** The tenant's first administrator, created with it in one transaction. */
  admin: z
    .strictObject({
      email: emailSchema,
      password: passwordSchema,
      displayName: visibleText(100).optional(),
    })
    .optional(),
});
export type CreateTenantInput = z.infer<typeof createTenantBody>;

export const createdTenantSchema = tenantSchema.extend({ admin: userSchema.nullable() });
export type CreatedTenantView = z.infer<typeof createdTenantSchema>;

export const tenantPageSchema = pageOf(tenantSchema);

/** What a tenant sets for all its agents (docs/companion.md). */
export const tenantSettingsSchema = z.object({
  tenantId: z.uuid(),
  /**
   * The model the companion jobs call (summaries, memory, personality suggestions) for agents that name
   * no utility model of their own; null: each agent's own model.
   */
  utilityModel: z.string().nullable(),
  /** The tenant's own storage quota in bytes (0: no bound); null: the server's, TENANT_STORAGE_QUOTA_BYTES. */
  storageQuotaBytes: z.number().int().nullable(),
  /** What the tenant's stored files add up to, and the quota that applies (null: no bound). */
  storageUsage: z.object({ usedBytes: z.number().int(), quotaBytes: z.number().int().nullable() }),
});
export type TenantSettingsView = z.infer<typeof tenantSettingsSchema>;

export const updateTenantSettingsBody = patchBody({
  /** `provider:model`, `offline`, or null for each agent's own model. */
  utilityModel: modelRefSchema.nullable().optional(),
  /** Platform admins only: bytes (0: no bound), or null for the server's TENANT_STORAGE_QUOTA_BYTES. */
  storageQuotaBytes: z
    .number()
    .int()
    .min(0)
    .max(2 ** 50)
    .nullable()
    .optional(),
});
export type UpdateTenantSettingsInput = z.infer<typeof updateTenantSettingsBody>;
