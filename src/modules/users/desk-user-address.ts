/**
 * The address of a tenant's desk user (ADR 18), the disabled account that owns support chats: `.invalid`
 * is reserved (RFC 2606), so it never receives mail. The users module keeps it out of its listings.
 */
export const deskUserEmail = (tenantId: string) => `support-desk@${tenantId}.parley.invalid`;
