import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The gate (docs/architecture.md#the-model-gate) is the only way from Parley's code to a language model:
 * `chat/turn/model-resolver.ts` turns a model ref into a model whose every call is admitted by the
 * budgets and written to the usage ledger. What could reach a provider around it is the model registry
 * (a ref into a raw model), the provider entries and adapters (settings into the AI SDK's providers) and
 * the providers' SDK packages. This test reads every source file's imports, so a new module that takes
 * one of them fails here instead of calling a provider uncounted.
 */
const srcDir = join(import.meta.dirname, '../../src');

/** The SDK packages that build providers (each sends requests); `@ai-sdk/provider` is only types. */
const providerPackages =
  /^(@ai-sdk\/(openai|openai-compatible|anthropic|azure|cohere|google|mistral|groq)|ollama-ai-provider[\w-]*)$/;
/** Parley's own modules that hand out providers or raw models. */
const providerModules = /\/ai\/(model-registry|provider-entries|providers\/[\w-]+)\.js$/;
/** What may be taken from them anywhere: names, not providers (which kind each server provider is). */
const harmlessNames = new Set(['serverProviderKinds']);

/** Where those may be imported: the AI kernel itself, the gate, and the composition roots that wire it. */
const mayImport = new Set([
  'app.ts',
  'app-modules.ts',
  'cli/admin.ts',
  'modules/chat/index.ts',
  'modules/chat/turn/model-resolver.ts',
]);

/**
 * Paths that call models of other kinds, not through the gate yet: they are neither admitted by the
 * budgets nor written to the ledger (issue 45 lists them). Named here so that the list can only shrink.
 */
const notYetThroughTheGate = new Map<string, string>();

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/**
 * Every module a file imports or loads, static or dynamic, that could hand it something that sends:
 * type-only imports, and imports of harmless names only, are left out.
 */
function importsOf(text: string): string[] {
  const found: string[] = [];
  const pattern =
    /(?:^|\n)\s*(?:import|export)\s+(type\s+)?([^'";]*?)\s*from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const match of text.matchAll(pattern)) {
    if (match[1] || (match[2] !== undefined && namesOnlyHarmless(match[2]))) continue;
    const target = match[3] ?? match[4];
    if (target) found.push(target);
  }
  return found;
}

function namesOnlyHarmless(clause: string): boolean {
  const named = /^\{([^}]*)\}$/.exec(clause.trim());
  if (!named) return false;
  const names = named[1]!
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name && !name.startsWith('type '));
  return names.every((name) => harmlessNames.has(name.split(/\s+as\s+/)[0]!));
}

describe('the model gate', () => {
  const files = sourceFiles(srcDir).map((path) => ({
    name: relative(srcDir, path).replaceAll('\\', '/'),
    text: readFileSync(path, 'utf8'),
  }));

  it('finds the imports it judges (the reader works)', () => {
    const resolver = files.find((file) => file.name === 'modules/chat/turn/model-resolver.ts');
    expect(resolver && importsOf(resolver.text)).toContain('../../../ai/metered-model.js');
    const openai = files.find((file) => file.name === 'ai/providers/openai-provider.ts');
    expect(openai && importsOf(openai.text).some((target) => providerPackages.test(target))).toBe(true);
  });

  it('is the only way from a module to a provider', () => {
    const outside = files.filter(
      (file) => !file.name.startsWith('ai/') && !mayImport.has(file.name) && !notYetThroughTheGate.has(file.name),
    );
    const offending = outside.flatMap((file) =>
      importsOf(file.text)
        .filter((target) => providerPackages.test(target) || providerModules.test(target))
        .map((target) => `${file.name} imports ${target}`),
    );
    expect(offending).toEqual([]);
  });

  it('still needs each path it lets around it (the list only shrinks)', () => {
    for (const name of notYetThroughTheGate.keys()) {
      const file = files.find((candidate) => candidate.name === name);
      const reaches = file && importsOf(file.text).some((target) => providerModules.test(target));
      expect(reaches, `${name} no longer reaches a provider: take it off the list`).toBe(true);
    }
  });

  it('is the only caller of the registry that turns a ref into a model', () => {
    const callers = files.filter((file) => /\bregistry\.resolve\(/.test(file.text)).map((file) => file.name);
    expect(callers).toEqual(['modules/chat/turn/model-resolver.ts']);
  });
});
