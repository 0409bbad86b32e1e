import type { RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, createConversation } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createUser, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { createSource, multipartBody } from '../knowledge/knowledge-setup.js';
import {
  badPathValues,
  badQueryValues,
  badValues,
  badHeaders,
  badMultipartBodies,
  badWholeBodies,
  nilUuid,
  plausibleBody,
  type JsonSchema,
} from './bad-input-values.js';

interface Operation {
  readonly parameters?: { in: string; name: string; schema: JsonSchema }[];
  readonly requestBody?: { content: Record<string, { schema: JsonSchema }> };
}

interface Attempt {
  readonly label: string;
  readonly url: string;
  readonly payload?: unknown;
  readonly headers?: Record<string, string>;
  /** Must not be accepted (2xx) when the same body without the fault was: no handler may let it pass. */
  readonly mustRefuse?: boolean;
  /** The plausible body as it is, to learn whether the route accepts it. */
  readonly isPlausible?: boolean;
}

/**
 * "Bad input never yields a 5xx", checked on every route at once, as a signed-in member and as the
 * platform admin, so each request gets past authentication to validation and on to the handlers. Every
 * path parameter names a real object (or the nil UUID), and one thing is wrong at a time: a path
 * segment, a query value, a whole body, or one field of an otherwise plausible body. The fields and
 * their bounds come from the OpenAPI document, so a new route or field is swept without editing this.
 */
describe('bad input on every route', () => {
  let t: TestApp;
  let admin: SignedInUser;
  let member: SignedInUser;
  const routes: RouteOptions[] = [];
  let openApiPaths: Record<string, Record<string, Operation>>;
  /** Who sends the sweep's requests, and the ids its path parameters take: each sweep sets both. */
  let actor: SignedInUser;
  let realIds: Record<string, string>;
  const adminIds: Record<string, string> = {};
  const memberIds: Record<string, string> = {};

  beforeAll(async () => {
    t = await buildTestApp({ OUTBOUND_ALLOW: '127.0.0.1' }, { onRoute: (route) => routes.push(route) });
    admin = await registerPlatformAdmin(t.app);
    member = await createUser(t.app, admin);
    openApiPaths = (await t.app.inject({ url: '/openapi.json' })).json<{ paths: typeof openApiPaths }>().paths;
    await createRealObjects();
  }, 60_000);
  afterAll(() => t?.close());

  async function created(user: SignedInUser, url: string, payload: unknown, headers = {}): Promise<{ id: string }> {
    const response = await t.app.inject({
      method: 'POST',
      url,
      headers: { ...user.headers, ...headers },
      payload: payload as string,
    });
    if (response.statusCode >= 300) throw new Error(`${url}: ${response.statusCode} ${response.body}`);
    return response.json();
  }

  /** What a member may own: an agent, a conversation with a turn in it, a chat file and a project. */
  async function createOwnedObjects(user: SignedInUser): Promise<Record<string, string>> {
    const agent = await createAgent(t.app, user);
    const conversation = await createConversation(t.app, user, agent.id);
    const sent = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversation.id}/messages`,
      headers: user.headers,
      payload: { content: 'Hello' },
    });
    const file = multipartBody(Buffer.from('plain words'), { filename: 'words.txt' });
    return {
      agents: agent.id,
      conversations: conversation.id,
      messageId: sent.json<{ userMessage: { id: string } }>().userMessage.id,
      files: (await created(user, '/v1/files', file.payload, file.headers)).id,
      projects: (await created(user, '/v1/projects', { name: 'Sweep' })).id,
    };
  }

  async function createRealObjects(): Promise<void> {
    const source = await createSource(t.app, admin);
    const text = multipartBody(Buffer.from('A short note about refunds.'), { filename: 'note.txt' });
    const documentsUrl = `/v1/knowledge-sources/${source.id}/documents`;
    Object.assign(adminIds, await createOwnedObjects(admin), {
      'knowledge-sources': source.id,
      documentId: (await created(admin, documentsUrl, text.payload, text.headers)).id,
      'api-keys': (await created(admin, '/v1/api-keys', { name: 'sweep' })).id,
      providers: (
        await created(admin, '/v1/providers', {
          name: 'local',
          kind: 'openai-compatible',
          baseUrl: 'http://127.0.0.1:9/v1',
        })
      ).id,
      users: member.userId,
    });
    // A member's own objects where it may own them, and the tenant's (the admin's) where it may not.
    Object.assign(memberIds, adminIds, await createOwnedObjects(member));
  }

  /** The route's URL with each parameter replaced: by `override` where given, else by a real id. */
  const concreteUrl = (pattern: string, override?: { name: string; value: string }): string => {
    const collection = pattern.split('/')[2] ?? '';
    return pattern.replace(/:([A-Za-z]+)/g, (_, name: string) => {
      if (override?.name === name) return override.value;
      return realIds[name === 'id' ? collection : name] ?? nilUuid;
    });
  };

  const methodsOf = (route: RouteOptions): string[] =>
    [route.method].flat().filter((method) => !['HEAD', 'OPTIONS'].includes(method));

  /** The routes that take a file as multipart/form-data rather than JSON. */
  const uploadRoutes = new Set(['/v1/files', '/v1/knowledge-sources/:id/documents']);

  function attemptsFor(route: RouteOptions, method: string): Attempt[] {
    const operation = openApiPaths[route.url.replace(/:([A-Za-z]+)/g, '{$1}')]?.[method.toLowerCase()];
    const bodySchema = operation?.requestBody?.content['application/json']?.schema;
    const plausible = bodySchema ? plausibleBody(bodySchema) : undefined;
    const attempts: Attempt[] = [];
    for (const name of route.url.match(/:([A-Za-z]+)/g) ?? []) {
      for (const value of badPathValues) {
        attempts.push({
          label: `${name}=${value.slice(0, 20)}`,
          url: concreteUrl(route.url, { name: name.slice(1), value }),
          payload: plausible,
        });
      }
    }
    const url = concreteUrl(route.url);
    for (const parameter of operation?.parameters?.filter((candidate) => candidate.in === 'query') ?? []) {
      for (const value of badQueryValues) {
        attempts.push({ label: `?${parameter.name}=${value.slice(0, 20)}`, url: `${url}?${parameter.name}=${value}` });
      }
      attempts.push({ label: `?${parameter.name} twice`, url: `${url}?${parameter.name}=1&${parameter.name}=2` });
    }
    if (bodySchema) {
      for (const body of badWholeBodies) attempts.push({ label: `body ${JSON.stringify(body)}`, url, payload: body });
      attempts.push({
        label: 'nested 100,000 deep',
        url,
        payload: `{"deep":${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
        headers: { 'content-type': 'application/json' },
      });
      attempts.push({
        label: 'malformed JSON',
        url,
        payload: '{"unfinished": ',
        headers: { 'content-type': 'application/json' },
      });
      // The OpenAI-compatible routes take fields they ignore, as OpenAI's own clients send many.
      attempts.push({ label: 'plausible body', url, payload: plausible, isPlausible: true });
      attempts.push({
        label: 'unknown field',
        url,
        payload: { ...plausible, noSuchField: 1 },
        mustRefuse: !openAiFormat(route.url),
      });
      for (const [name, value] of badHeaders) {
        attempts.push({
          label: `${name}: ${value.slice(0, 30)}`,
          url,
          payload: JSON.stringify(plausible),
          headers: { 'content-type': 'application/json', [name]: value },
        });
      }
      for (const contentType of [
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/json; charset=utf-16',
        'multipart/form-data',
      ]) {
        attempts.push({
          label: `as ${contentType}`,
          url,
          payload: JSON.stringify(plausible),
          headers: { 'content-type': contentType },
        });
      }
      for (const [name, field] of Object.entries(bodySchema.properties ?? {})) {
        for (const value of badValues(field)) {
          attempts.push({
            label: `.${name}=${JSON.stringify(value)?.slice(0, 40)}`,
            url,
            payload: { ...plausible, [name]: value },
          });
        }
      }
    } else if (uploadRoutes.has(route.url) && method === 'POST') {
      for (const body of badMultipartBodies()) {
        attempts.push({
          label: `upload: ${body.label}`,
          url,
          payload: body.payload,
          headers: { 'content-type': body.contentType },
        });
      }
    } else if (['POST', 'PUT', 'PATCH'].includes(method)) {
      for (const body of badWholeBodies) attempts.push({ label: `body ${JSON.stringify(body)}`, url, payload: body });
    }
    return attempts;
  }

  /** JSON values are sent as JSON, whatever they are (`null` and `"text"` included); raw payloads as given. */
  const requestOf = (attempt: Attempt) => {
    if (attempt.headers)
      return {
        url: attempt.url,
        headers: { ...actor.headers, ...attempt.headers },
        payload: attempt.payload as string,
      };
    if (attempt.payload === undefined) return { url: attempt.url, headers: actor.headers };
    return {
      url: attempt.url,
      headers: { ...actor.headers, 'content-type': 'application/json' },
      payload: JSON.stringify(attempt.payload),
    };
  };

  /**
   * The OpenAI-compatible routes answer in OpenAI's error format and `/mcp` in JSON-RPC's, because
   * that is what their clients parse; everything else speaks problem+json with a sentence to act on.
   */
  const openAiFormat = (url: string) => ['/v1/models', '/v1/models/:model', '/v1/chat/completions'].includes(url);
  /** The rating page a rating request by mail links to answers a browser without script: pages, not JSON. */
  const htmlPageFormat = (url: string) => url.startsWith('/v1/mail-ratings/');

  function isRefusedBeforeRouting(response: { headers: Record<string, unknown>; body: string }): boolean {
    if (!String(response.headers['content-type']).startsWith('application/problem+json')) return false;
    const { code, detail } = JSON.parse(response.body) as { code?: unknown; detail?: unknown };
    return code === 'uri_too_long' || (code === 'malformed_request' && String(detail).startsWith('The URL'));
  }

  function problemWith(url: string, response: { statusCode: number; headers: Record<string, unknown>; body: string }) {
    if (response.statusCode >= 500) return `${response.statusCode}: ${response.body.slice(0, 300)}`;
    if (response.statusCode < 400 || url === '/mcp') return undefined;
    // A URL the router cannot read is refused before any route is found, so in the one format of all.
    if (openAiFormat(url) && !isRefusedBeforeRouting(response)) {
      const body = JSON.parse(response.body) as { error?: { message?: unknown } };
      if (typeof body.error?.message === 'string' && body.error.message.length >= 10) return undefined;
      return `${response.statusCode} without an OpenAI error message: ${response.body.slice(0, 300)}`;
    }
    if (htmlPageFormat(url) && String(response.headers['content-type']).startsWith('text/html')) {
      const sentence = /<p[^>]*>([^<]{10,})<\/p>/.exec(response.body);
      return sentence ? undefined : `${response.statusCode} page without a sentence: ${response.body.slice(0, 300)}`;
    }
    if (!String(response.headers['content-type']).startsWith('application/problem+json'))
      return `${response.statusCode} as ${String(response.headers['content-type'])}`;
    const body = JSON.parse(response.body) as { code?: unknown; detail?: unknown };
    if (typeof body.code !== 'string' || typeof body.detail !== 'string' || body.detail.length < 10)
      return `${response.statusCode} without a code and a readable detail: ${response.body.slice(0, 300)}`;
    return undefined;
  }

  // The member first: its deletes remove only its own objects, while the admin's remove the tenant's.
  it.each([
    ['a member', () => ({ user: member, ids: memberIds })],
    ['the platform admin', () => ({ user: admin, ids: adminIds })],
  ])(
    'answers every bad request from %s with a 4xx problem a person can act on, never a 5xx',
    async (_, who) => {
      ({ user: actor, ids: realIds } = who());
      // Deletes go last, so the objects the other routes name still exist while those are swept.
      const swept = routes
        .filter((route) => !route.url.startsWith('/docs'))
        .flatMap((route) => methodsOf(route).map((method) => ({ route, method })))
        .sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));
      const failures: string[] = [];
      let sent = 0;
      let refusalsChecked = 0;
      for (const { route, method } of swept) {
        let isPlausibleAccepted = false;
        for (const attempt of attemptsFor(route, method)) {
          const response = await t.app.inject({ method: method as 'POST', ...requestOf(attempt) });
          sent += 1;
          if (attempt.isPlausible) isPlausibleAccepted = response.statusCode < 300;
          const mustRefuse = attempt.mustRefuse === true && isPlausibleAccepted;
          if (mustRefuse) refusalsChecked += 1;
          const problem =
            mustRefuse && response.statusCode < 300
              ? `${response.statusCode}: accepted although it must not`
              : problemWith(route.url, response);
          if (problem) failures.push(`${method} ${route.url} [${attempt.label}] → ${problem}`);
        }
      }
      expect(failures).toEqual([]);
      // A sweep that sent almost nothing would pass without checking anything.
      expect(sent).toBeGreaterThan(2_000);
      // Some routes accept their plausible body, so the unknown-field check really ran on them.
      expect(refusalsChecked).toBeGreaterThan(3);
    },
    300_000,
  );
});
