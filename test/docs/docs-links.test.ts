import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  brokenLinkReason,
  linksIn,
  pathMatchesTemplate,
  routesIn,
  type RouteReference,
} from './markdown-references.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const docsDir = path.join(root, 'docs');
const readme = path.join(root, 'README.md');
const benchmarks = path.join(root, 'BENCHMARKS.md');
/** The pages a person reads: the README, BENCHMARKS.md and one page per area under docs/. */
const pages = [
  readme,
  benchmarks,
  ...readdirSync(docsDir)
    .filter((name) => name.endsWith('.md'))
    .map((name) => path.join(docsDir, name)),
];
const relative = (file: string): string => path.relative(root, file);

describe('the docs', () => {
  it('keeps the README to 200 lines and BENCHMARKS.md to 150', () => {
    expect(readFileSync(readme, 'utf8').split('\n').length).toBeLessThanOrEqual(200);
    expect(readFileSync(benchmarks, 'utf8').split('\n').length).toBeLessThanOrEqual(150);
  });

  it('links only to files and headings that exist', () => {
    const broken = pages.flatMap((file) =>
      linksIn(file, readFileSync(file, 'utf8'))
        .map((link) => brokenLinkReason(link))
        .filter((reason) => reason !== undefined)
        .map((reason) => `${relative(file)}: ${reason}`),
    );
    expect(broken).toEqual([]);
  });

  it('names every variable of the environment schema in docs/configuration.md', () => {
    const source = readFileSync(path.join(root, 'src/config.ts'), 'utf8');
    const schema = source.slice(source.indexOf('const environmentSchema = z.object({'));
    const variables = [...schema.slice(0, schema.indexOf('\n});')).matchAll(/^ {2}([A-Z][A-Z0-9_]+):/gm)].map(
      (match) => match[1] ?? '',
    );
    expect(variables.length).toBeGreaterThan(30);
    const configuration = readFileSync(path.join(docsDir, 'configuration.md'), 'utf8');
    expect(variables.filter((variable) => !configuration.includes(`\`${variable}\``))).toEqual([]);
  });
});

describe('routes the docs show', () => {
  let t: TestApp;
  /** METHOD → path templates: the OpenAPI document's, and the route table's for routes it leaves out. */
  const served = new Map<string, Set<string>>();
  const serve = (method: string, template: string): void => {
    served.set(method, (served.get(method) ?? new Set()).add(template));
  };

  beforeAll(async () => {
    const routes: RouteOptions[] = [];
    t = await buildTestApp({}, { onRoute: (route) => routes.push(route) });
    const document = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json<{
      paths: Record<string, Record<string, unknown>>;
    }>();
    for (const [template, operations] of Object.entries(document.paths)) {
      for (const method of Object.keys(operations)) serve(method.toUpperCase(), template);
    }
    // WebSocket upgrades and the document's own routes are served but not described in it. A wildcard
    // (the console's page fallback) would match any path, so it cannot vouch for one.
    for (const route of routes.filter((candidate) => !candidate.url.includes('*'))) {
      for (const method of [route.method].flat()) serve(method, route.url);
    }
  });
  afterAll(() => t?.close());

  /** Each method the text names serves the path; a bare URL needs any one. */
  const isServed = (route: RouteReference): boolean => {
    const servesPath = (method: string): boolean =>
      [...(served.get(method) ?? [])].some((template) => pathMatchesTemplate(route.path, template));
    return route.methods.length > 0 ? route.methods.every(servesPath) : [...served.keys()].some(servesPath);
  };

  it('finds the routes in the pages', () => {
    const shown = pages.flatMap((file) => routesIn(file, readFileSync(file, 'utf8')));
    expect(shown.length).toBeGreaterThan(50);
    expect(shown.map((route) => route.path)).toEqual(
      expect.arrayContaining(['/v1/agents', '/v1/conversations/$C/messages', '/v1/knowledge-sources/{id}/query']),
    );
  });

  it('shows only routes the server serves, with the methods shown', () => {
    const missing = pages
      .flatMap((file) => routesIn(file, readFileSync(file, 'utf8')))
      .filter((route) => !isServed(route))
      .map((route) => `${relative(route.file)}: ${route.methods.join('/') || 'any method'} ${route.path}`);
    expect(missing).toEqual([]);
  });
});
