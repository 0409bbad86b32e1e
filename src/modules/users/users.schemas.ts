import { z } from 'zod';
import { pageOf, patchBody, visibleText } from '../../platform/http/common-schemas.js';
import { emailSchema, passwordSchema, roleSchema, userSchema } from '../auth/auth.schemas.js';

export { presentUser, userSchema, type UserView } from '../auth/auth.schemas.js';

const displayNameSchema = visibleText(100);

export const createUserBody = z.strictObject({
  email: emailSchema,
  password: passwordSchema,
  role: roleSchema,
  displayName: displayNameSchema.optional(),
});
export type CreateUserInput = z.infer<typeof createUserBody>;

export const updateUserBody = patchBody({
  role: roleSchema.optional(),
  displayName: displayNameSchema.nullable().optional(),
  /** true ends every session of the user at once; false lets them sign in again. */
  disabled: z.boolean().optional(),
  password: passwordSchema.optional(),
});
export type UpdateUserInput = z.infer<typeof updateUserBody>;

export const userPageSchema = pageOf(userSchema);
