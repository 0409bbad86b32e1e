import { createContext, useContext, useSyncExternalStore, type ReactNode } from 'react';
import { createApiClient, createAuthedFetch, type ApiClient, type AuthedFetch } from './api/api-client';
import { createSessionStore, type Session, type SessionStore } from './api/session-store';
import { createBrowserRealtime } from './realtime/browser-realtime';
import type { RealtimeClient } from './realtime/realtime-client';

export interface AppServices {
  readonly sessions: SessionStore;
  readonly authedFetch: AuthedFetch;
  readonly api: ApiClient;
  /** The live connection (one per tab); absent where the console runs without one (jsdom tests). */
  readonly realtime?: RealtimeClient;
}

/**
 * Hand-wired once at start-up; tests build their own with a fake fetch. With `isRealtime` the tab
 * keeps a live connection while someone is signed in.
 */
export function createAppServices(fetchImpl?: typeof fetch, options: { isRealtime?: boolean } = {}): AppServices {
  const sessions = createSessionStore(fetchImpl);
  const authedFetch = createAuthedFetch(sessions, fetchImpl);
  const services: AppServices = { sessions, authedFetch, api: createApiClient(authedFetch) };
  if (!options.isRealtime) return services;
  const realtime = createBrowserRealtime(authedFetch);
  sessions.subscribe((session) => (session ? realtime.start() : realtime.stop()));
  return { ...services, realtime };
}

const ServicesContext = createContext<AppServices | null>(null);

export function ServicesProvider({ services, children }: { services: AppServices; children: ReactNode }) {
  return <ServicesContext.Provider value={services}>{children}</ServicesContext.Provider>;
}

export function useServices(): AppServices {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('useServices must be used inside <ServicesProvider>');
  return services;
}

/** The signed-in session (null when signed out); re-renders on sign-in, refresh and sign-out. */
export function useSession(): Session | null {
  const { sessions } = useServices();
  return useSyncExternalStore(sessions.subscribe, sessions.get);
}

/** The session of a screen that is only shown when signed in. */
export function useSignedInSession(): Session {
  const session = useSession();
  if (!session) throw new Error('useSignedInSession used while signed out');
  return session;
}

type Role = Session['user']['role'];
const roleRank: Record<Role, number> = { member: 0, operator: 1, tenant_admin: 2, platform_admin: 3 };

export function hasRoleAtLeast(role: Role, minimum: Role): boolean {
  return roleRank[role] >= roleRank[minimum];
}
