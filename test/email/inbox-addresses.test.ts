import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenantWithAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { rawSmtp } from './smtp-relay.js';
import { startEmailDesk, type EmailDesk } from './email-desk.js';

/**
 * Inbox addresses by approval (issue 61, finding 8): mail to an address goes to the tenant whose inbox
 * has it, so a tenant may give its inboxes addresses only at domains a platform admin approved for it,
 * as SSO's email domains are set; each domain belongs to one tenant.
 */
describe('email inbox addresses: only at domains a platform admin approved for the tenant', () => {
  let desk: EmailDesk;
  let otherAdmin: SignedInUser;
  beforeAll(async () => {
    desk = await startEmailDesk({ maxMailBytes: 64 * 1024 });
    otherAdmin = await createTenantWithAdmin(desk.t.app, desk.platformAdmin, 'Squatter');
  }, 120_000);
  afterAll(async () => {
    await desk?.close();
  });

  const createEmailInbox = (admin: SignedInUser, emailAddress: string) =>
    desk.t.app.inject({
      method: 'POST',
      url: '/v1/inboxes',
      headers: admin.headers,
      payload: { name: 'Billing', kind: 'email', emailAddress },
    });
  const setDomains = (user: SignedInUser, tenantId: string, domains: string[]) =>
    desk.t.app.inject({
      method: 'PUT',
      url: `/v1/tenants/${tenantId}/email-domains`,
      headers: user.headers,
      payload: { domains },
    });
  const detailOf = (response: { json: <T>() => T }) => response.json<{ detail: string }>().detail;

  it("refuses a tenant an address at a domain nobody approved for it, and another tenant's domain", async () => {
    const squatted = await createEmailInbox(otherAdmin, 'billing@a-shop.test');
    expect(squatted.statusCode).toBe(403);
    expect(detailOf(squatted)).toContain(
      "'a-shop.test' is not an email domain of this tenant: ask a platform admin to approve it",
    );
    const selfApproved = await setDomains(otherAdmin, otherAdmin.tenantId, ['a-shop.test']);
    expect(selfApproved.statusCode).toBe(403);
    expect(detailOf(selfApproved)).toContain('Only a platform admin may approve email domains');

    const approved = await setDomains(desk.platformAdmin, desk.admin.tenantId, ['shop.example', 'A-Shop.test']);
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json<{ items: { domain: string }[] }>().items.map((item) => item.domain)).toEqual([
      'a-shop.test',
      'shop.example',
    ]);
    const billing = await createEmailInbox(desk.admin, 'billing@a-shop.test');
    expect(billing.statusCode, billing.body).toBe(201);

    const taken = await setDomains(desk.platformAdmin, otherAdmin.tenantId, ['a-shop.test']);
    expect(taken.statusCode).toBe(409);
    expect(detailOf(taken)).toContain("The email domain 'a-shop.test' belongs to another tenant");
    expect((await createEmailInbox(otherAdmin, 'sales@a-shop.test')).statusCode).toBe(403);
    const moved = await desk.t.app.inject({
      method: 'PATCH',
      url: `/v1/inboxes/${desk.humanInbox.id}`,
      headers: desk.admin.headers,
      payload: { emailAddress: 'people@elsewhere.test' },
    });
    expect(moved.statusCode).toBe(403);
  });

  it('shows a tenant its own domains only, and keeps a domain its inboxes use until they move', async () => {
    const own = await desk.t.app.inject({
      url: `/v1/tenants/${desk.admin.tenantId}/email-domains`,
      headers: desk.admin.headers,
    });
    expect(own.statusCode).toBe(200);
    expect(own.json<{ items: { domain: string }[] }>().items.map((item) => item.domain)).toContain('a-shop.test');
    const foreign = await desk.t.app.inject({
      url: `/v1/tenants/${desk.admin.tenantId}/email-domains`,
      headers: otherAdmin.headers,
    });
    expect(foreign.statusCode).toBe(404);

    const dropped = await setDomains(desk.platformAdmin, desk.admin.tenantId, ['shop.example']);
    expect(dropped.statusCode).toBe(409);
    expect(detailOf(dropped)).toContain("inbox 'Billing' has the address 'billing@a-shop.test'");
  });

  it('takes no mail for an inbox whose address is at a domain not approved for its tenant', async () => {
    // An inbox from before approvals existed, at a domain nobody approved.
    await desk.t.database.executeSql(`update inboxes set email_address = 'old@legacy.test' where id = $1`, [
      desk.humanInbox.id,
    ]);
    const replies = await rawSmtp(desk.listenerPort, [
      'EHLO mx.cust.test\r\n',
      'MAIL FROM:<ann@cust.test>\r\n',
      'RCPT TO:<old@legacy.test>\r\n',
      'QUIT\r\n',
    ]);
    expect(replies[3]).toMatch(/^550 5\.1\.1 <old@legacy\.test>: no inbox of this support desk has that address/);
  });
});
