import { z } from 'zod';
import { pageOf, visibleText } from '../../platform/http/common-schemas.js';
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
