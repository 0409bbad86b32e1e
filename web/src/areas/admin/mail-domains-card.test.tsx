import { cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeApi, pageOf, problem, renderArea } from '../../ui/test-harness';
import { administrationArea } from './admin-area';

afterEach(cleanup);

const open = (server: ReturnType<typeof fakeApi>, path: string) =>
  renderArea(administrationArea.element, { fetchImpl: server.fetchImpl, areaPath: '/admin', path });

const approved = (...domains: string[]) =>
  Response.json({ items: domains.map((domain) => ({ domain, approvedAt: '2026-11-28T10:00:00.000Z' })) });

describe('mail domains', () => {
  it("shows a tenant admin the tenant's approved mail domains read-only, and whom to ask", async () => {
    const server = fakeApi({
      'GET /v1/tenants/t1/settings': () => Response.json({ tenantId: 't1', utilityModel: null }),
      'GET /v1/providers/models': () => Response.json({ models: [], defaultModel: 'offline' }),
      'GET /v1/tenants/t1/email-domains': () => approved('shop.example'),
    });
    await open(server, '/admin/settings');
    const field = await screen.findByLabelText<HTMLInputElement>('Approved mail domains');
    await screen.findByDisplayValue('shop.example');
    expect(field.readOnly).toBe(true);
    expect(screen.getByText(/A platform admin approves them/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Save domains' })).toBeNull();
  });

  it("lets a platform admin approve another tenant's domains from the tenants list, and shows a refusal", async () => {
    let owner: string | null = null;
    const server = fakeApi(
      {
        'GET /v1/tenants': () =>
          pageOf([{ id: 't2', name: 'Beta', createdAt: '2026-11-01T10:00:00.000Z' }]),
        'GET /v1/tenants/t2/email-domains': () => approved(),
        'PUT /v1/tenants/t2/email-domains': (call) => {
          const { domains } = call.body as { domains: string[] };
          if (owner && domains.includes(owner)) {
            return problem(409, 'conflict', `The domain ${owner} is approved for another tenant`);
          }
          return approved(...domains);
        },
      },
      { role: 'platform_admin' },
    );
    await open(server, '/admin/tenants');
    fireEvent.click(await screen.findByRole('button', { name: 'Mail domains of Beta' }));
    expect(await screen.findByRole('heading', { name: 'Mail domains of Beta' })).toBeTruthy();
    const field = await screen.findByLabelText<HTMLInputElement>('Approved mail domains');
    fireEvent.change(field, { target: { value: 'beta.example, Help.Beta.example' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save domains' }));
    expect(await screen.findByText('Saved.')).toBeTruthy();
    expect(server.callsTo('PUT', '/v1/tenants/t2/email-domains')[0]?.body).toEqual({
      domains: ['beta.example', 'Help.Beta.example'],
    });

    owner = 'a-shop.example';
    fireEvent.change(field, { target: { value: 'a-shop.example' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save domains' }));
    expect(await screen.findByText('The domain a-shop.example is approved for another tenant')).toBeTruthy();
  });
});
