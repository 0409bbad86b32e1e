import { z } from 'zod';
import type { StoredEmailDomain } from './email-domains.repository.js';

/** A mail domain as DNS writes it, stored lowercase without a trailing dot: `shop.example`. */
const domainSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(253)
  .transform((value) => value.replace(/\.$/, ''))
  .pipe(
    z
      .string()
      .regex(
        /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/,
        'must be a domain such as shop.example (no @, no scheme, no path)',
      ),
  );

export const replaceEmailDomainsBody = z.strictObject({
  domains: z
    .array(domainSchema)
    .max(100, 'can hold at most 100 domains')
    .describe("Every domain the tenant's email inboxes may have addresses at; replaces the set"),
});
export type ReplaceEmailDomainsInput = z.infer<typeof replaceEmailDomainsBody>;

export const emailDomainSchema = z.object({
  domain: z.string(),
  approvedAt: z.iso.datetime(),
});
export const emailDomainListSchema = z.object({ items: z.array(emailDomainSchema) });
export type EmailDomainListView = z.infer<typeof emailDomainListSchema>;

export const presentEmailDomains = (rows: readonly StoredEmailDomain[]): EmailDomainListView => ({
  items: rows.map((row) => ({ domain: row.domain, approvedAt: row.createdAt.toISOString() })),
});
