import { cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeApi, renderArea } from '../../ui/test-harness';
import { administrationArea } from './admin-area';
import type { SsoConnection } from './sso-settings-page';

afterEach(cleanup);

const connection: SsoConnection = {
  id: 'c1',
  slug: 'acme',
  issuerUrl: 'https://idp.example.test',
  clientId: 'parley',
  scopes: 'openid email profile',
  emailClaim: 'email',
  nameClaim: 'name',
  groupsClaim: 'groups',
  allowedDomains: ['acme.test'],
  approvedEndpointOrigins: [],
  roleMapping: [],
  defaultRole: 'member',
  ssoRequired: false,
};

async function openAs(role: 'tenant_admin' | 'platform_admin') {
  const server = fakeApi(
    {
      'GET /v1/sso/connections': () => Response.json({ items: [connection] }),
      'PATCH /v1/sso/connections/:id': (call) => Response.json({ ...connection, ...(call.body as object) }),
    },
    { role },
  );
  await renderArea(administrationArea.element, { fetchImpl: server.fetchImpl, areaPath: '/admin', path: '/admin/sso' });
  const domains = await screen.findByLabelText<HTMLInputElement>('Allowed email domains');
  await screen.findByDisplayValue('acme.test');
  return { server, domains };
}

describe('single sign-on settings page', () => {
  it('shows a tenant admin the email domains read-only, and saves the rest without them', async () => {
    const { server, domains } = await openAs('tenant_admin');
    expect(domains.readOnly).toBe(true);
    expect(screen.getAllByText(/Set by a platform admin/)).toHaveLength(2);
    expect(screen.getByLabelText<HTMLInputElement>('Approved endpoint origins').readOnly).toBe(true);
    fireEvent.change(screen.getByLabelText('Client ID'), { target: { value: 'parley-2' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('Saved.')).toBeTruthy();
    const sent = server.callsTo('PATCH', '/v1/sso/connections/c1')[0]?.body as Record<string, unknown>;
    expect(sent).toMatchObject({ clientId: 'parley-2' });
    expect(sent).not.toHaveProperty('allowedDomains');
    expect(sent).not.toHaveProperty('approvedEndpointOrigins');
  });

  it('lets a platform admin change the email domains and the approved endpoint origins', async () => {
    const { server, domains } = await openAs('platform_admin');
    expect(domains.readOnly).toBe(false);
    fireEvent.change(domains, { target: { value: 'acme.test, acme.example' } });
    fireEvent.change(screen.getByLabelText('Approved endpoint origins'), {
      target: { value: 'https://oauth2.googleapis.com https://www.googleapis.com' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('Saved.')).toBeTruthy();
    expect(server.callsTo('PATCH', '/v1/sso/connections/c1')[0]?.body).toMatchObject({
      allowedDomains: ['acme.test', 'acme.example'],
      approvedEndpointOrigins: ['https://oauth2.googleapis.com', 'https://www.googleapis.com'],
    });
  });
});
