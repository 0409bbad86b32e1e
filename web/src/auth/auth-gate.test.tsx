import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAppServices, ServicesProvider } from '../app-context';
import { problem } from '../ui/test-harness';
import { AuthGate } from './auth-gate';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

/** A signed-out browser on a server with open sign-up, where `taken@example.test` already has an account. */
function renderSignedOut() {
  const fetchImpl = vi.fn(async (input: string) => {
    const path = input;
    if (path === '/v1/auth/status') return Response.json({ hasUsers: true, signupMode: 'open', canRegister: true });
    if (path === '/v1/auth/register') {
      return problem(409, 'conflict', 'An account with this email already exists');
    }
    if (path === '/v1/auth/resume') return new Response(null, { status: 204 });
    return problem(401, 'unauthenticated', 'Sign in');
  });
  renderGate(fetchImpl);
  return fetchImpl;
}

/** The gate over a server that `fetchImpl` plays, with "Signed in" behind it. */
function renderGate(fetchImpl: (input: string) => Promise<Response>) {
  // The status query uses the global fetch; the session store gets it passed.
  vi.stubGlobal('fetch', fetchImpl);
  render(
    <ServicesProvider services={createAppServices(fetchImpl as typeof fetch)}>
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <AuthGate>
          <p>Signed in</p>
        </AuthGate>
      </QueryClientProvider>
    </ServicesProvider>,
  );
}

describe('sign-in and sign-up', () => {
  it('leaves a sign-up refusal behind when switching to sign-in', async () => {
    renderSignedOut();
    fireEvent.click(await screen.findByRole('button', { name: 'No account? Create one' }));
    fireEvent.change(screen.getByLabelText('Email'), { target: { value: 'taken@example.test' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'long enough' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create account' }));
    expect((await screen.findByRole('alert')).textContent).toContain('already exists');

    fireEvent.click(screen.getByRole('button', { name: 'Have an account? Sign in' }));
    expect(screen.getByRole('heading', { name: 'Sign in to Parley' })).toBeTruthy();
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.queryByText(/already exists/)).toBeNull();
  });

  it('asks for the tenant when the server says the password opens accounts in several, and signs in with it', async () => {
    const logins: unknown[] = [];
    const fetchImpl = vi.fn(async (input: string, init?: RequestInit) => {
      if (input === '/v1/auth/status')
        return Response.json({ hasUsers: true, signupMode: 'invite', canRegister: false });
      if (input === '/v1/auth/login') {
        const body = JSON.parse(init?.body as string) as { tenant?: string };
        logins.push(body);
        if (!body.tenant) {
          return problem(
            409,
            'conflict',
            "This email and password open accounts in several tenants: 'Acme', 'Bolt'; sign in again with 'tenant' set",
          );
        }
        return Response.json({
          accessToken: 'token-1',
          user: { id: 'u1', tenantId: 't1', email: 'a@example.test', displayName: null, role: 'member' },
          tenant: { id: 't1', name: 'Acme' },
        });
      }
      return problem(401, 'unauthenticated', 'Sign in');
    });
    renderGate(fetchImpl);

    await screen.findByRole('heading', { name: 'Sign in to Parley' });
    expect(screen.queryByLabelText(/Tenant/)).toBeNull();
    fireEvent.change(screen.getByLabelText('Email'), { target: { value: 'a@example.test' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'long enough' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect((await screen.findByRole('alert')).textContent).toContain('several tenants');

    fireEvent.change(screen.getByLabelText(/Tenant/), { target: { value: ' Acme ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('Signed in')).toBeTruthy();
    expect(logins).toEqual([
      { email: 'a@example.test', password: 'long enough' },
      { email: 'a@example.test', password: 'long enough', tenant: 'Acme' },
    ]);
  });
});

describe('resuming a session on load', () => {
  it('shows the sign-in form when the server says there is no session to resume (204), asking nothing that answers 401', async () => {
    const fetchImpl = renderSignedOut();
    expect(await screen.findByRole('heading', { name: 'Sign in to Parley' })).toBeTruthy();
    expect(fetchImpl.mock.calls.map(([path]) => path)).not.toContain('/v1/auth/refresh');
  });

  it('shows why a refresh failed, rather than the sign-in form, when the server did not end the session', async () => {
    let isLimited = true;
    const fetchImpl = vi.fn(async (input: string) => {
      if (input === '/v1/auth/status')
        return Response.json({ hasUsers: true, signupMode: 'invite', canRegister: false });
      if (input === '/v1/auth/resume' && isLimited) {
        return problem(429, 'rate_limited', 'Too many requests; slow down and try again shortly');
      }
      return Response.json({
        accessToken: 'token-1',
        user: { id: 'u1', tenantId: 't1', email: 'a@example.test', displayName: null, role: 'member' },
        tenant: { id: 't1', name: 'Acme' },
      });
    });
    renderGate(fetchImpl);

    expect((await screen.findByRole('alert')).textContent).toContain('Too many requests');
    expect(screen.queryByRole('heading', { name: 'Sign in to Parley' })).toBeNull();
    isLimited = false;
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(await screen.findByText('Signed in')).toBeTruthy();
  });
});
