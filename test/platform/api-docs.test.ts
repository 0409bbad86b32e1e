import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, createConversation } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin } from '../harness/tenant-setup.js';

interface OpenApiOperation {
  operationId?: string;
  summary?: string;
  tags?: string[];
  security?: Array<Record<string, unknown>>;
  parameters?: Array<{ name: string; in: string }>;
  requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown>; required?: string[] } }> };
  responses: Record<string, unknown>;
}

describe('API documentation', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(() => t.close());

  it('serves the docs page as HTML without credentials, with the assets it loads', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('<!DOCTYPE html>');
    expect(page.body).toContain('swagger-ui');

    expect(page.body).toContain('/docs/static/swagger-ui.css');
    // Hardened like the console's page: scripts from itself only, framed by nobody, assets over plain HTTP too.
    const policy = page.headers['content-security-policy'];
    expect(policy).toMatch(/script-src 'self'\s*;/);
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).not.toContain('upgrade-insecure-requests');
    for (const asset of ['/docs/static/swagger-ui.css', '/docs/static/swagger-initializer.js']) {
      const response = await t.app.inject({ method: 'GET', url: asset });
      expect(response.statusCode, asset).toBe(200);
    }
  });

  it('describes the same document at /docs/json as at /openapi.json', async () => {
    const fromDocs = await t.app.inject({ method: 'GET', url: '/docs/json' });
    const published = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(fromDocs.statusCode).toBe(200);
    expect(published.statusCode).toBe(200);
    expect(fromDocs.json()).toEqual(published.json());
  });

  it('publishes an OpenAPI 3.1 document with the agents paths, their bodies and bearer security', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const document = response.json<{
      openapi: string;
      info: { title: string };
      tags: { name: string; description: string }[];
      components: { securitySchemes: Record<string, { type: string; scheme: string }> };
      paths: Record<string, Record<string, OpenApiOperation>>;
    }>();
    expect(document.openapi).toBe('3.1.0');
    expect(document.info.title).toBe('Parley API');
    // Every tag an operation uses is described once at the top.
    const described = new Set(document.tags.map((tag) => tag.name));
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        for (const tag of operation.tags ?? []) expect(described.has(tag), `${method} ${path}: ${tag}`).toBe(true);
      }
    }
    expect(document.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });

    const agents = document.paths['/v1/agents'];
    expect(Object.keys(agents ?? {})).toEqual(expect.arrayContaining(['get', 'post']));
    const create = agents!.post!;
    expect(create.tags).toContain('agents');
    expect(create.security).toEqual([{ bearer: [] }]);
    const bodySchema = create.requestBody?.content['application/json']?.schema;
    expect(bodySchema?.properties).toHaveProperty('name');
    expect(bodySchema?.properties).toHaveProperty('instructions');
    expect(bodySchema?.required).toContain('name');
    expect(create.responses).toHaveProperty('201');
    // Ids are the server's: a client's own is accepted and ignored, and the document says so.
    const conversationBody =
      document.paths['/v1/conversations']?.post?.requestBody?.content['application/json']?.schema;
    expect(conversationBody?.properties?.id).toMatchObject({ description: expect.stringMatching(/^Ignored/) });
    // Every operation documents its error answers: the one problem shape, except the OpenAI-compatible
    // routes, which answer in OpenAI's (its clients read nothing else).
    const operationIds = new Set<string>();
    for (const [path, operations] of Object.entries(document.paths)) {
      const isOpenAI = path === '/v1/chat/completions' || path.startsWith('/v1/models');
      for (const [method, operation] of Object.entries(operations)) {
        for (const range of ['4XX', '5XX']) {
          const content = (
            operation.responses[range] as { content?: Record<string, { schema: { required?: string[] } }> }
          )?.content;
          const schema = isOpenAI
            ? content?.['application/json']?.schema
            : content?.['application/problem+json']?.schema;
          expect(schema?.required, `${method} ${path} ${range}`).toEqual(
            expect.arrayContaining(isOpenAI ? ['error'] : ['code', 'detail']),
          );
        }
        expect(operation.operationId, `${method} ${path}`).toMatch(/^[a-z][A-Za-z]+$/);
        expect(operationIds.has(operation.operationId!), operation.operationId).toBe(false);
        operationIds.add(operation.operationId!);
      }
    }

    // Path parameters are written the OpenAPI way, and routes marked hidden stay out.
    const single = document.paths['/v1/agents/{id}'];
    expect(single?.get?.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'id', in: 'path' })]),
    );
    expect(document.paths['/v1/agents/:id']).toBeUndefined();
    expect(document.paths['/openapi.json']).toBeUndefined();
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/v1/conversations', '/v1/auth/login', '/ready']),
    );
  });

  it('documents the answers that are not JSON, as the routes really give them, and the uploads as multipart', async () => {
    const document = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json<{
      paths: Record<string, Record<string, OpenApiOperation>>;
    }>();
    const mediaTypesOf = (path: string, method: string, status: string): string[] =>
      Object.keys(
        (document.paths[path]?.[method]?.responses[status] as { content?: Record<string, unknown> })?.content ?? {},
      );
    const admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
    const agent = await createAgent(t.app, admin, { name: 'Documented' });
    const conversation = await createConversation(t.app, admin, agent.id, { title: 'Docs' });

    const answers = [
      {
        path: '/v1/conversations/{id}/messages',
        method: 'post',
        response: await t.app.inject({
          method: 'POST',
          url: `/v1/conversations/${conversation.id}/messages`,
          headers: { ...admin.headers, accept: 'text/event-stream' },
          payload: { content: 'Hello' },
        }),
      },
      { path: '/metrics', method: 'get', response: await t.app.inject({ method: 'GET', url: '/metrics' }) },
      {
        path: '/v1/chat/completions',
        method: 'post',
        response: await t.app.inject({ method: 'POST', url: '/v1/chat/completions', payload: { model: 'x' } }),
      },
      {
        path: '/mcp',
        method: 'get',
        response: await t.app.inject({ method: 'GET', url: '/mcp', headers: admin.headers }),
      },
    ];
    for (const { path, method, response } of answers) {
      const status = String(response.statusCode);
      const documented = [...mediaTypesOf(path, method, status), ...mediaTypesOf(path, method, `${status[0]}XX`)];
      const mediaType = String(response.headers['content-type']).split(';')[0]!;
      expect(documented, `${method} ${path} answered ${status} ${mediaType}`).toContain(mediaType);
    }
    expect(mediaTypesOf('/v1/files/{id}/content', 'get', '200')).toEqual(['application/octet-stream']);
    for (const path of ['/v1/files', '/v1/knowledge-sources/{id}/documents']) {
      const upload = document.paths[path]?.post?.requestBody?.content['multipart/form-data']?.schema;
      expect(upload?.required, path).toHaveLength(1);
    }
  });
});
