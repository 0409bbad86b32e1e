import type { App } from '../../src/platform/http/types.js';

export interface SignedIn {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly userId: string;
  readonly tenantId: string;
  readonly headers: { authorization: string };
}

let counter = 0;
/** A unique email per call, so tests sharing a database never collide. */
export const uniqueEmail = (label = 'user'): string => `${label}-${process.pid}-${Date.now()}-${++counter}@example.test`;

export const testPassword = 'correct horse battery staple';

export function asSignedIn(body: {
  accessToken: string;
  refreshToken: string;
  user: { id: string; tenantId: string };
}): SignedIn {
  return {
    accessToken: body.accessToken,
    refreshToken: body.refreshToken,
    userId: body.user.id,
    tenantId: body.user.tenantId,
    headers: { authorization: `Bearer ${body.accessToken}` },
  };
}

/** Registers through the real endpoint (first user → platform admin; open mode → a new tenant's admin). */
export async function register(app: App, email = uniqueEmail(), password = testPassword): Promise<SignedIn> {
  const response = await app.inject({ method: 'POST', url: '/v1/auth/register', payload: { email, password } });
  if (response.statusCode !== 201) throw new Error(`register failed: ${response.statusCode} ${response.body}`);
  return asSignedIn(response.json());
}

export async function login(app: App, email: string, password = testPassword): Promise<SignedIn> {
  const response = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password } });
  if (response.statusCode !== 200) throw new Error(`login failed: ${response.statusCode} ${response.body}`);
  return asSignedIn(response.json());
}
