import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../harness/test-app.js';

interface OpenApiOperation {
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
      components: { securitySchemes: Record<string, { type: string; scheme: string }> };
      paths: Record<string, Record<string, OpenApiOperation>>;
    }>();
    expect(document.openapi).toBe('3.1.0');
    expect(document.info.title).toBe('Parley API');
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
    // Every operation documents its error answers in the one problem shape.
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        for (const range of ['4XX', '5XX']) {
          const problem = (
            operation.responses[range] as { content?: Record<string, { schema: { required?: string[] } }> }
          )?.content?.['application/problem+json']?.schema;
          expect(problem?.required, `${method} ${path} ${range}`).toEqual(expect.arrayContaining(['code', 'detail']));
        }
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
});
