/**
 * The address of a tenant's desk user (ADR 18), the disabled account that owns support chats: `.invalid`
 * is reserved (RFC 2606), so it never receives mail. The users module keeps it out of its listings.
 */
export const deskUserEmail = (tenantId: string) => `support-desk@${tenantId}.parley.invalid`;

/**
 * Whether a user is its tenant's desk user: never signed in to, enabled, given a password or deleted
 * (deleting it would take every support transcript with it).
 */
export const isDeskUser = (user: { readonly email: string; readonly tenantId: string }): boolean =>
  user.email.toLowerCase() === deskUserEmail(user.tenantId);
