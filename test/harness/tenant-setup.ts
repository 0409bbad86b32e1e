import type { Role } from '../../src/access/actor.js';
import type { App } from '../../src/platform/http/types.js';
import { asSignedIn, register, testPassword, uniqueEmail, type SignedIn } from './actors.js';

export interface SignedInUser extends SignedIn {
  readonly email: string;
}

let addressCounter = 0;
/**
 * A distinct client address per sign-in: the auth routes are rate-limited per address, and with
 * Redis that budget is shared by every test file running at once.
 */
export const nextTestAddress = (): string => {
  addressCounter += 1;
  return `10.${process.pid % 250}.${Math.floor(addressCounter / 250) % 250}.${(addressCounter % 250) + 1}`;
};

export async function signIn(app: App, email: string, password = testPassword): Promise<SignedInUser> {
  const response = await app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    payload: { email, password },
    remoteAddress: nextTestAddress(),
  });
  if (response.statusCode !== 200) throw new Error(`login failed: ${response.statusCode} ${response.body}`);
  return { ...asSignedIn(response.json()), email };
}

/** In a fresh test app the first registered user is the platform admin. */
export async function registerPlatformAdmin(app: App): Promise<SignedInUser> {
  const email = uniqueEmail('platform');
  return { ...(await register(app, email)), email };
}

/** A new tenant with its first tenant admin, created through POST /v1/tenants and signed in. */
export async function createTenantWithAdmin(app: App, platformAdmin: SignedIn, name = 'Tenant'): Promise<SignedInUser> {
  const email = uniqueEmail('tenant-admin');
  const response = await app.inject({
    method: 'POST',
    url: '/v1/tenants',
    headers: platformAdmin.headers,
    payload: { name, admin: { email, password: testPassword } },
  });
  if (response.statusCode !== 201) throw new Error(`create tenant failed: ${response.statusCode} ${response.body}`);
  return signIn(app, email);
}

/** A user of the admin's tenant, created through POST /v1/users and signed in. */
export async function createUser(app: App, admin: SignedIn, role: Role = 'member'): Promise<SignedInUser> {
  const email = uniqueEmail(role);
  const response = await app.inject({
    method: 'POST',
    url: '/v1/users',
    headers: admin.headers,
    payload: { email, password: testPassword, role },
  });
  if (response.statusCode !== 201) throw new Error(`create user failed: ${response.statusCode} ${response.body}`);
  return signIn(app, email);
}

/** The parts of a problem body a test checks so it does not leak data. */
export function expectNoEcho(body: string, ...secrets: string[]): void {
  for (const secret of secrets) {
    if (body.includes(secret)) throw new Error(`response body echoes '${secret}': ${body}`);
  }
}
