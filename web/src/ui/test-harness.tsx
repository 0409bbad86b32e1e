import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, render } from '@testing-library/react';
import type { ReactNode } from 'react';
import { MemoryRouter, Route, Routes } from 'react-router';
import type { SessionUser } from '../api/session-store';
import { createAppServices, ServicesProvider } from '../app-context';

/** One request the fake server received, its JSON body parsed. */
export interface FakeCall {
  method: string;
  path: string;
  search: string;
  body: unknown;
}

type Handler = (call: FakeCall) => Response | Promise<Response>;

/**
 * A fake API for screen tests: handlers keyed by `METHOD /path` (`:id` matches one segment), a
 * signed-in session of the given role, and a record of every call with its body.
 */
export function fakeApi(handlers: Record<string, Handler>, user: Partial<SessionUser> = {}) {
  const session = {
    accessToken: 'token-1',
    tokenType: 'Bearer',
    user: { id: 'u-self', tenantId: 't1', email: 'me@example.test', displayName: null, role: 'tenant_admin', ...user },
    tenant: { id: 't1', name: 'Acme' },
  };
  const routes = Object.entries(handlers).map(([key, handler]) => {
    const [method, pattern = ''] = key.split(' ');
    const regex = new RegExp(`^${pattern.replace(/:[a-zA-Z]+/g, '[^/]+')}$`);
    return { method, regex, handler };
  });
  const calls: FakeCall[] = [];

  const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : input.toString(), 'http://localhost');
    const method = init?.method ?? 'GET';
    if (url.pathname === '/v1/auth/refresh' || url.pathname === '/v1/auth/resume') return Response.json(session);
    const call: FakeCall = {
      method,
      path: url.pathname,
      search: url.search,
      body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    calls.push(call);
    const route = routes.find((candidate) => candidate.method === method && candidate.regex.test(url.pathname));
    if (!route) {
      return Response.json({ code: 'not_found', detail: `No fake for ${method} ${url.pathname}` }, { status: 404 });
    }
    return route.handler(call);
  }) as typeof fetch;

  return {
    fetchImpl,
    calls,
    callsTo: (method: string, path: string) => calls.filter((call) => call.method === method && call.path === path),
  };
}

/** A problem+json answer as the server writes it. */
export function problem(status: number, code: string, detail: string, errors?: { field: string; message: string }[]) {
  return Response.json({ status, code, detail, ...(errors && { errors }) }, { status });
}

/** A one-page list answer. */
export const pageOf = (items: unknown[]) => Response.json({ items, nextCursor: null });

/**
 * Renders a console area's element at `path`, signed in, with the real services over the fake fetch
 * and a fresh query cache.
 */
export async function renderArea(
  element: ReactNode,
  options: { fetchImpl: typeof fetch; areaPath: string; path: string },
) {
  const services = createAppServices(options.fetchImpl);
  await services.sessions.refresh();
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  const view = render(
    <ServicesProvider services={services}>
      <QueryClientProvider client={queryClient}>
        <MemoryRouter initialEntries={[options.path]}>
          <Routes>
            <Route path={`${options.areaPath}/*`} element={element} />
            <Route path="*" element={<p>Outside the area</p>} />
          </Routes>
        </MemoryRouter>
      </QueryClientProvider>
    </ServicesProvider>,
  );
  return { ...view, queryClient, services };
}

/**
 * What a double-click delivers to a button: two clicks in a row, the second before React has rendered
 * anything the first one started (a mutation's isPending arrives a task later).
 */
export function clickTwice(element: Element) {
  fireEvent.click(element);
  fireEvent.click(element);
}

/**
 * Puts the console's stylesheet into the test document, for checks of what the CSS decides for an
 * element (jsdom cascades rules into getComputedStyle but lays nothing out). Vitest blanks imported CSS,
 * so the file is read from disk; the web tsconfig has no Node types, hence the untyped import.
 */
export async function addConsoleStylesheet() {
  const fsModule = 'node:fs';
  const { readFileSync } = (await import(/* @vite-ignore */ fsModule)) as {
    readFileSync: (path: string, encoding: 'utf8') => string;
  };
  const style = document.createElement('style');
  // Not `new URL('../styles.css', import.meta.url)`: Vite rewrites that into a served address.
  const path = decodeURIComponent(import.meta.url.replace(/^file:\/\//, '')).replace(/\/ui\/[^/]+$/, '/styles.css');
  style.textContent = readFileSync(path, 'utf8');
  document.head.append(style);
  return () => style.remove();
}
