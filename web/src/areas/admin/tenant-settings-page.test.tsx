import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeApi, problem, renderArea } from '../../ui/test-harness';
import { administrationArea } from './admin-area';

afterEach(cleanup);

describe('tenant settings page', () => {
  it("shows the tenant's utility model, saves another, and shows the server's refusal", async () => {
    let refuse = false;
    const server = fakeApi({
      'GET /v1/tenants/t1/settings': () => Response.json({ tenantId: 't1', utilityModel: null }),
      'GET /v1/tenants/t1/email-domains': () => Response.json({ items: [] }),
      'GET /v1/providers/models': () =>
        Response.json({ models: ['openai:gpt-4o-mini'], defaultModel: 'openai:gpt-4o-mini' }),
      'PATCH /v1/tenants/t1/settings': (call) =>
        refuse
          ? problem(400, 'validation_failed', "No provider named 'openai' is configured", [
              { field: 'utilityModel', message: 'no provider serves it' },
            ])
          : Response.json({ tenantId: 't1', ...(call.body as object) }),
    });
    await renderArea(administrationArea.element, {
      fetchImpl: server.fetchImpl,
      areaPath: '/admin',
      path: '/admin/settings',
    });
    const select = await screen.findByLabelText<HTMLSelectElement>('Utility model');
    expect(select.value).toBe('');
    await waitFor(() => expect(screen.getByRole('option', { name: 'openai:gpt-4o-mini' })).toBeTruthy());
    fireEvent.change(select, { target: { value: 'openai:gpt-4o-mini' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('Saved.')).toBeTruthy();
    expect(server.callsTo('PATCH', '/v1/tenants/t1/settings')[0]?.body).toEqual({ utilityModel: 'openai:gpt-4o-mini' });

    refuse = true;
    fireEvent.change(select, { target: { value: '' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('no provider serves it')).toBeTruthy();
    expect(server.callsTo('PATCH', '/v1/tenants/t1/settings')[1]?.body).toEqual({ utilityModel: null });
  });
});
