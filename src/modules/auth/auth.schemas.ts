import { domainToASCII } from 'node:url';
import { z } from 'zod';
import { visibleText } from '../../platform/http/common-schemas.js';
import { roles } from '../../platform/db/schema/users.js';
import type { TenantRow, UserRow } from './auth.repository.js';

/** "user@bücher.de" as mail servers know it: "user@xn--bcher-kva.de". Left as it was when not a domain. */
function withAsciiDomain(email: string): string {
  const at = email.lastIndexOf('@');
  if (at === -1) return email;
  const domain = domainToASCII(email.slice(at + 1));
  return domain ? `${email.slice(0, at)}@${domain}` : email;
}

/** Lower-cased, with an international domain in its ASCII form, so each address is written one way. */
export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .overwrite(withAsciiDomain)
  .refine((email) => !/[^\x20-\x7e]/.test(email.slice(0, Math.max(0, email.lastIndexOf('@')))), {
    message: 'must be an email address whose part before the @ is written in ASCII letters, digits and punctuation',
    abort: true,
  })
  .pipe(z.email().max(254));
// Bounded both ways: short passwords are guessable, huge ones are a hashing DoS.
export const passwordSchema = z.string().min(8, 'must be at least 8 characters').max(256);
export const roleSchema = z.enum(roles);

export const userSchema = z.object({
  id: z.uuid(),
  tenantId: z.uuid(),
  email: z.string(),
  displayName: z.string().nullable(),
  role: roleSchema,
  disabled: z.boolean(),
  createdAt: z.iso.datetime(),
});
export type UserView = z.infer<typeof userSchema>;

export const tenantSchema = z.object({ id: z.uuid(), name: z.string(), createdAt: z.iso.datetime() });
export type TenantView = z.infer<typeof tenantSchema>;

export const presentUser = (user: UserRow): UserView => ({
  id: user.id,
  tenantId: user.tenantId,
  email: user.email,
  displayName: user.displayName,
  role: user.role,
  disabled: user.disabledAt !== null,
  createdAt: user.createdAt.toISOString(),
});

export const presentTenant = (tenant: TenantRow): TenantView => ({
  id: tenant.id,
  name: tenant.name,
  createdAt: tenant.createdAt.toISOString(),
});

export const registerBody = z.strictObject({
  email: emailSchema,
  password: passwordSchema,
  displayName: visibleText(100).optional(),
  /** Name of the tenant created for the first user, or for every sign-up in `open` mode. */
  tenantName: visibleText(100).optional(),
});
export type RegisterInput = z.infer<typeof registerBody>;

export const loginBody = z.strictObject({
  email: emailSchema,
  password: z.string().min(1).max(256),
  /**
   * The tenant to sign in to, by name or id. Needed only when the address and password open accounts in
   * several tenants (ADR 3); the answer says so.
   */
  tenant: z.string().trim().min(1).max(100).optional(),
});
export type LoginInput = z.infer<typeof loginBody>;

/** The token may instead come from the browser's session cookie (see session-cookie.ts). */
export const refreshBody = z.strictObject({ refreshToken: z.string().min(10).max(200).optional() });

export const sessionSchema = z.object({
  tokenType: z.literal('Bearer'),
  accessToken: z.string(),
  expiresIn: z.number().int(),
  /** Absent when the client asked for a cookie session (`X-Parley-Session: cookie`). */
  refreshToken: z.string().optional(),
  user: userSchema,
  tenant: tenantSchema,
});
export type SessionView = z.infer<typeof sessionSchema>;

export const meSchema = z.object({
  user: userSchema,
  tenant: tenantSchema,
  via: z.enum(['token', 'api_key', 'system']),
});

export const authStatusSchema = z.object({
  hasUsers: z.boolean(),
  signupMode: z.enum(['invite', 'open', 'closed']),
  canRegister: z.boolean(),
});
