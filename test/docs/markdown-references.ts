import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** What the docs point at: other files and their headings, and the server's routes. */
export interface LinkReference {
  readonly file: string;
  readonly target: string;
}

export interface RouteReference {
  readonly file: string;
  /** Upper-case methods the text names (`GET/POST /v1/…`); empty when only a URL is shown. */
  readonly methods: readonly string[];
  readonly path: string;
}

const fencedBlock = /^```[^\n]*\n[\s\S]*?^```/gm;
const inlineCode = /`[^`\n]*`/g;
const httpMethods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** Relative links in prose, not in code (a JSON body or a TypeScript type could look like one). */
export function linksIn(file: string, markdown: string): LinkReference[] {
  const prose = markdown.replace(fencedBlock, '').replace(inlineCode, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1] ?? '')
    .filter((target) => !/^[a-z][a-z+.-]*:/i.test(target))
    .map((target) => ({ file, target }));
}

/** Why a relative link leads nowhere, or undefined when it leads to a file (and heading) that exist. */
export function brokenLinkReason(link: LinkReference): string | undefined {
  const [relative = '', anchor] = link.target.split('#');
  const destination = relative === '' ? link.file : path.resolve(path.dirname(link.file), relative);
  if (!existsSync(destination)) return `${link.target}: no such file`;
  if (anchor === undefined) return undefined;
  if (statSync(destination).isDirectory() || !destination.endsWith('.md')) {
    return `${link.target}: an anchor on something that is not a Markdown page`;
  }
  const anchors = headingAnchors(readFileSync(destination, 'utf8'));
  return anchors.has(anchor) ? undefined : `${link.target}: no heading '#${anchor}' in ${relative || 'this page'}`;
}

/** The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces to dashes. */
export function headingAnchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const match of markdown.replace(fencedBlock, '').matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = (match[1] ?? '')
      .replace(/`/g, '')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/**
 * Routes a page shows: every `localhost:3000/…` URL (in examples and prose), and every `METHOD /path`
 * in code spans and blocks (`POST /v1/agents {name}`, `GET/PATCH/DELETE /v1/knowledge-sources/{id}`).
 */
export function routesIn(file: string, markdown: string): RouteReference[] {
  const routes: RouteReference[] = [];
  for (const match of markdown.matchAll(/localhost:3000(\/[^\s'"`)\]]*)/g)) {
    routes.push({ file, methods: [], path: cleanPath(match[1] ?? '') });
  }
  const code = [...(markdown.match(fencedBlock) ?? []), ...(markdown.replace(fencedBlock, '').match(inlineCode) ?? [])];
  for (const snippet of code) {
    for (const match of snippet.matchAll(
      /\b((?:GET|POST|PUT|PATCH|DELETE)(?:\/(?:GET|POST|PUT|PATCH|DELETE))*) (\/[^\s`'"]*)/g,
    )) {
      const methods = (match[1] ?? '').split('/').filter((method) => httpMethods.includes(method));
      routes.push({ file, methods, path: cleanPath(match[2] ?? '') });
    }
  }
  // The bare origin and the API's base URL (`baseURL: "http://localhost:3000/v1"`) name no route.
  return routes.filter((route) => route.path !== '/' && route.path !== '/v1');
}

/** The path alone: no query, no trailing punctuation of the sentence around it. */
function cleanPath(shown: string): string {
  return shown.split('?')[0]!.replace(/[.,;:]+$/, '') || '/';
}

/** A segment that stands for any value: `{id}`, `:id`, `$C`, `${SOURCE}`, `<id>`. */
const isParameter = (segment: string): boolean => /^(\{[^}]+\}|:[A-Za-z_]\w*|\$\{?\w+\}?|<[^>]+>)$/.test(segment);

/** Whether a path the docs show is one a route template serves (`/v1/agents/$A` ~ `/v1/agents/{id}`). */
export function pathMatchesTemplate(shown: string, template: string): boolean {
  const shownSegments = shown.split('/');
  const templateSegments = template.split('/');
  if (shownSegments.length !== templateSegments.length) return false;
  return templateSegments.every((segment, index) => {
    const other = shownSegments[index] ?? '';
    if (isParameter(segment)) return other !== '';
    return !isParameter(other) && other === segment;
  });
}
