import type { LightMyRequestResponse } from 'fastify';
import type { App } from '../../src/platform/http/types.js';
import type { SignedIn } from '../harness/actors.js';
import { nextTestAddress } from '../harness/tenant-setup.js';
import type { FakeIdp } from '../fakes/fake-oidc-provider.js';

/** The address app.inject's requests come to; the provider sends the browser back to its callback. */
export const parleyOrigin = 'http://parley.test';
export const callbackUrl = `${parleyOrigin}/v1/sso/callback`;
const host = 'parley.test';

export interface ConnectionOptions {
  slug: string;
  /** Set by platform admins only: a tenant admin who sends some is refused. */
  domains?: string[];
  /** The tenant to connect, when a platform admin connects another tenant than their own. */
  tenantId?: string;
  roleMapping?: { group: string; role: 'tenant_admin' | 'operator' | 'member' }[];
  defaultRole?: 'tenant_admin' | 'operator' | 'member' | null;
  ssoRequired?: boolean;
  clientSecret?: string;
  issuerUrl?: string;
  emailClaim?: string;
  /** Set by platform admins only: origins besides the issuer's where its endpoints may be. */
  approvedEndpointOrigins?: string[];
}

/** A connection to `idp`, made by `admin` (a platform admin's, to name domains or another tenant). */
export async function createConnection(
  app: App,
  admin: SignedIn,
  idp: Pick<FakeIdp, 'issuer' | 'clientId' | 'clientSecret'>,
  options: ConnectionOptions,
) {
  const response = await app.inject({
    method: 'POST',
    url: '/v1/sso/connections',
    headers: admin.headers,
    payload: {
      ...(options.tenantId !== undefined && { tenantId: options.tenantId }),
      slug: options.slug,
      issuerUrl: options.issuerUrl ?? idp.issuer,
      clientId: idp.clientId,
      clientSecret: options.clientSecret ?? idp.clientSecret,
      scopes: 'openid email profile groups',
      ...(options.domains !== undefined && { allowedDomains: options.domains }),
      roleMapping: options.roleMapping ?? [],
      defaultRole: options.defaultRole === undefined ? 'member' : options.defaultRole,
      ssoRequired: options.ssoRequired ?? false,
      ...(options.emailClaim !== undefined && { emailClaim: options.emailClaim }),
      ...(options.approvedEndpointOrigins !== undefined && {
        approvedEndpointOrigins: options.approvedEndpointOrigins,
      }),
    },
  });
  if (response.statusCode !== 201) throw new Error(`create connection failed: ${response.statusCode} ${response.body}`);
  return response.json<{ id: string; tenantId: string }>();
}

/** A tiny cookie jar for the provider's own cookies (its interaction and session cookies). */
class CookieJar {
  private readonly cookies = new Map<string, string>();
  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, at).trim(), pair!.slice(at + 1).trim());
    }
  }
  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

export interface StartedSignIn {
  /** The provider's sign-in URL Parley redirected to. */
  readonly authorizationUrl: URL;
  /** The browser-binding cookie Parley set for this sign-in (name=value). */
  readonly bindingCookie: string;
}

export async function startSignIn(app: App, slug: string, hostHeader = host): Promise<StartedSignIn> {
  const response = await app.inject({
    method: 'GET',
    url: `/v1/sso/start/${slug}`,
    headers: { host: hostHeader },
    remoteAddress: nextTestAddress(),
  });
  if (response.statusCode !== 302) throw new Error(`start failed: ${response.statusCode} ${response.body}`);
  const cookie = response.cookies.find((entry) => entry.name.startsWith('parley_sso'));
  return {
    authorizationUrl: new URL(response.headers.location as string),
    bindingCookie: `${cookie!.name}=${cookie!.value}`,
  };
}

/**
 * What a browser does at the provider: follows its redirects to the sign-in page, signs in as
 * `accountId`, and follows on until the provider sends it back to Parley. Answers that URL.
 */
export async function signInAtProvider(authorizationUrl: URL, accountId: string): Promise<URL> {
  const jar = new CookieJar();
  let url = authorizationUrl;
  let method: 'GET' | 'POST' = 'GET';
  let body: URLSearchParams | undefined;
  for (let hop = 0; hop < 10; hop += 1) {
    const response = await fetch(url, {
      method,
      body,
      redirect: 'manual',
      headers: { cookie: jar.header(), ...(body && { 'content-type': 'application/x-www-form-urlencoded' }) },
    });
    jar.take(response);
    method = 'GET';
    body = undefined;
    if (response.status >= 300 && response.status < 400) {
      const next = new URL(response.headers.get('location')!, url);
      await response.arrayBuffer();
      if (next.href.startsWith(callbackUrl)) return next;
      url = next;
      continue;
    }
    const page = await response.text();
    if (response.status !== 200 || !page.includes('name="login"')) {
      throw new Error(`the provider answered ${response.status}: ${page.slice(0, 300)}`);
    }
    const action = /action="([^"]+)"/.exec(page)![1]!;
    url = new URL(action, url);
    method = 'POST';
    body = new URLSearchParams({ prompt: 'login', login: accountId, password: 'any' });
  }
  throw new Error('the provider never sent the browser back');
}

/** Parley's callback, as the browser arrives at it. */
export function callback(app: App, returned: URL, bindingCookie: string): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'GET',
    url: `${returned.pathname}${returned.search}`,
    headers: { host, cookie: bindingCookie },
    remoteAddress: nextTestAddress(),
  });
}

/** The whole flow: Parley → provider (signed in as accountId) → Parley's callback. */
export async function signInThroughSso(app: App, slug: string, accountId: string): Promise<LightMyRequestResponse> {
  const started = await startSignIn(app, slug);
  const returned = await signInAtProvider(started.authorizationUrl, accountId);
  return callback(app, returned, started.bindingCookie);
}

/**
 * The whole flow at the scripted provider (test/fakes/scripted-oidc-provider.ts), whose sign-in page is
 * the account named in the URL: Parley → provider → Parley's callback.
 */
export async function signInThroughScriptedIdp(
  app: App,
  slug: string,
  accountId: string,
): Promise<LightMyRequestResponse> {
  const started = await startSignIn(app, slug);
  const authorizationUrl = new URL(started.authorizationUrl);
  authorizationUrl.searchParams.set('account', accountId);
  const answer = await fetch(authorizationUrl, { redirect: 'manual' });
  await answer.arrayBuffer();
  const location = answer.headers.get('location');
  if (answer.status !== 302 || !location) throw new Error(`the scripted provider answered ${answer.status}`);
  return callback(app, new URL(location), started.bindingCookie);
}

/** The session the callback's cookie opens, as the console gets it on its next load. */
export async function resumeSession(app: App, response: LightMyRequestResponse) {
  const refresh = response.cookies.find((entry) => entry.name === 'parley_refresh');
  if (!refresh) throw new Error(`no session cookie: ${response.statusCode} ${response.body}`);
  const resumed = await app.inject({
    method: 'POST',
    url: '/v1/auth/refresh',
    payload: { refreshToken: refresh.value },
    remoteAddress: nextTestAddress(),
  });
  if (resumed.statusCode !== 200) throw new Error(`refresh failed: ${resumed.statusCode} ${resumed.body}`);
  return resumed.json<{
    accessToken: string;
    refreshToken: string;
    user: { id: string; tenantId: string; email: string; role: string; displayName: string | null };
  }>();
}
