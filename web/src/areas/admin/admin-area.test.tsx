import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { clickTwice, fakeApi, pageOf, problem, renderArea } from '../../ui/test-harness';
import { administrationArea } from './admin-area';
import type { TenantUser } from './admin-api';

afterEach(cleanup);

const self: TenantUser = {
  id: 'u-self',
  tenantId: 't1',
  email: 'me@example.test',
  displayName: 'Me',
  role: 'tenant_admin',
  disabled: false,
  createdAt: '2025-01-01T10:00:00.000Z',
};

const open = (server: ReturnType<typeof fakeApi>, path: string) =>
  renderArea(administrationArea.element, { fetchImpl: server.fetchImpl, areaPath: '/admin', path });

describe('administration area', () => {
  it('shows members nothing of it, even at a sub-page address', async () => {
    const server = fakeApi({ 'GET /v1/users': () => pageOf([self]) }, { role: 'member' });
    await open(server, '/admin/users');
    expect(screen.getByText('Administration is for tenant administrators.')).toBeTruthy();
    expect(screen.queryByRole('navigation', { name: 'Administration' })).toBeNull();
    expect(server.calls).toHaveLength(0);
  });

  it('offers tenants to platform admins only, and sends others from its address to users', async () => {
    const server = fakeApi({ 'GET /v1/users': () => pageOf([self]) });
    await open(server, '/admin/tenants');
    expect(await screen.findByRole('heading', { name: 'Users' })).toBeTruthy();
    expect(screen.queryByRole('link', { name: 'Tenants' })).toBeNull();
    expect(server.callsTo('GET', '/v1/tenants')).toHaveLength(0);
    cleanup();

    const platform = fakeApi({ 'GET /v1/tenants': () => pageOf([]) }, { role: 'platform_admin' });
    await open(platform, '/admin/tenants');
    expect(await screen.findByRole('heading', { name: 'Tenants' })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Tenants' })).toBeTruthy();
  });

  it("shows the server's sentence when an admin tries to demote themselves, and keeps the role shown", async () => {
    const server = fakeApi({
      'GET /v1/users': () => pageOf([self]),
      'PATCH /v1/users/:id': () => problem(403, 'forbidden', 'You cannot lower your own role'),
    });
    await open(server, '/admin/users');
    const role = await screen.findByLabelText<HTMLSelectElement>('Role of me@example.test');
    fireEvent.change(role, { target: { value: 'member' } });
    expect((await screen.findByRole('alert')).textContent).toContain('You cannot lower your own role');
    expect(server.callsTo('PATCH', '/v1/users/u-self')[0]?.body).toEqual({ role: 'member' });
    await waitFor(() =>
      expect(screen.getByLabelText<HTMLSelectElement>('Role of me@example.test').value).toBe('tenant_admin'),
    );
  });

  it('adds one user on a double-click of Add user', async () => {
    const added: TenantUser = { ...self, id: 'u-2', email: 'new@example.test', displayName: null, role: 'member' };
    const server = fakeApi({
      'GET /v1/users': () => pageOf([self]),
      'POST /v1/users': () => Response.json(added, { status: 201 }),
    });
    await open(server, '/admin/users');
    fireEvent.click(await screen.findByRole('button', { name: 'Add user' }));
    fireEvent.change(screen.getByLabelText('Email'), { target: { value: 'new@example.test' } });
    fireEvent.change(screen.getByLabelText('Initial password'), { target: { value: 'correct horse' } });
    const form = screen.getByRole('form', { name: 'Add a user' });
    clickTwice(within(form).getByRole('button', { name: 'Add user' }));

    expect((await screen.findByRole('status')).textContent).toContain('new@example.test was added');
    expect(server.callsTo('POST', '/v1/users')).toHaveLength(1);
  });
});
