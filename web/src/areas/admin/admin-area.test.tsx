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

/** A server whose tenant holds only `self`, and which adds new@example.test as a member. */
function serverAddingOneUser() {
  const added: TenantUser = { ...self, id: 'u-2', email: 'new@example.test', displayName: null, role: 'member' };
  return fakeApi({
    'GET /v1/users': () => pageOf([self]),
    'POST /v1/users': () => Response.json(added, { status: 201 }),
  });
}

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

  it('offers no control the server would refuse: lowering or disabling oneself, or touching a higher role', async () => {
    const owner: TenantUser = { ...self, id: 'u-owner', email: 'owner@example.test', role: 'platform_admin' };
    const member: TenantUser = { ...self, id: 'u-member', email: 'member@example.test', role: 'member' };
    const server = fakeApi({ 'GET /v1/users': () => pageOf([self, owner, member]) });
    await open(server, '/admin/users');

    const ownRole = await screen.findByLabelText<HTMLSelectElement>('Role of me@example.test');
    expect([...ownRole.options].map((option) => [option.value, option.disabled])).toEqual([
      ['member', true],
      ['operator', true],
      ['tenant_admin', false],
    ]);
    const ownerRole = screen.getByLabelText<HTMLSelectElement>('Role of owner@example.test');
    expect(ownerRole.disabled).toBe(true);
    expect([...ownerRole.options].map((option) => option.value)).toEqual(['platform_admin']);
    for (const email of ['me@example.test', 'owner@example.test']) {
      expect(screen.queryByRole('button', { name: `Disable ${email}` })).toBeNull();
      expect(screen.queryByRole('button', { name: `Delete ${email}` })).toBeNull();
    }
    expect(screen.getByLabelText<HTMLSelectElement>('Role of member@example.test').disabled).toBe(false);
    expect(screen.getByRole('button', { name: 'Disable member@example.test' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Delete member@example.test' })).toBeTruthy();
  });

  it("shows the server's sentence when it refuses a role change, and keeps the role shown", async () => {
    const member: TenantUser = { ...self, id: 'u-member', email: 'member@example.test', role: 'member' };
    const server = fakeApi({
      'GET /v1/users': () => pageOf([self, member]),
      'PATCH /v1/users/:id': () => problem(409, 'conflict', 'The user was deleted meanwhile'),
    });
    await open(server, '/admin/users');
    const role = await screen.findByLabelText<HTMLSelectElement>('Role of member@example.test');
    fireEvent.change(role, { target: { value: 'operator' } });
    expect((await screen.findByRole('alert')).textContent).toContain('The user was deleted meanwhile');
    expect(server.callsTo('PATCH', '/v1/users/u-member')[0]?.body).toEqual({ role: 'operator' });
    await waitFor(() =>
      expect(screen.getByLabelText<HTMLSelectElement>('Role of member@example.test').value).toBe('member'),
    );
  });

  it('moves focus into the form that Add user opens, and back to Add user when it closes', async () => {
    const server = serverAddingOneUser();
    await open(server, '/admin/users');
    fireEvent.click(await screen.findByRole('button', { name: 'Add user' }));
    expect(document.activeElement).toBe(screen.getByLabelText('Email'));

    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Add user' })));

    fireEvent.click(screen.getByRole('button', { name: 'Add user' }));
    fireEvent.change(screen.getByLabelText('Email'), { target: { value: 'new@example.test' } });
    fireEvent.change(screen.getByLabelText('Initial password'), { target: { value: 'correct horse' } });
    fireEvent.click(within(screen.getByRole('form', { name: 'Add a user' })).getByRole('button', { name: 'Add user' }));
    await screen.findByRole('status');
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Add user' })));
  });

  it('adds one user on a double-click of Add user', async () => {
    const server = serverAddingOneUser();
    await open(server, '/admin/users');
    fireEvent.click(await screen.findByRole('button', { name: 'Add user' }));
    fireEvent.change(screen.getByLabelText('Email'), { target: { value: 'new@example.test' } });
    fireEvent.change(screen.getByLabelText('Initial password'), { target: { value: 'correct horse' } });
    const form = screen.getByRole('form', { name: 'Add a user' });
    clickTwice(within(form).getByRole('button', { name: 'Add user' }));

    expect((await screen.findByRole('status')).textContent).toContain('new@example.test was added');
    expect(server.callsTo('POST', '/v1/users')).toHaveLength(1);

    // Adding the next one clears that notice, so it never stands beside this one's refusal.
    fireEvent.click(screen.getByRole('button', { name: 'Add user' }));
    expect(screen.queryByRole('status')).toBeNull();
  });
});
