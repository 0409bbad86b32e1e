// eslint-disable-next-line @typescript-eslint/no-restricted-imports -- finds tsx's files; the one require function in src (the model gate, eslint.config.js)
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Where the test suite's set-up (test/transpile-server.ts) leaves src/ compiled file by file, laid out as
 * dist/ is. Read from the environment, not the config: it says where this process's own code lies.
 */
export const compiledSourcesVariable = 'PARLEY_TEST_SERVER_BUILD';
const sourcesRoot = fileURLToPath(new URL('..', import.meta.url));

/**
 * Starts a worker thread on the module `entryName` that lies beside `siblingUrl` (the caller's
 * `import.meta.url`). From dist/ the entry is a plain .js sibling. From TypeScript sources (vitest, tsx)
 * it is a .ts file that Node cannot load by itself: when the sources are compiled beside them (the tests),
 * the worker runs the compiled twin; otherwise a tiny bootstrap registers tsx inside the worker and
 * imports the .ts entry through it (on Node 20 a worker's `--import tsx` does not reach its entry module).
 * tsx in a worker costs ~1.7 s of CPU each start, in its own loader threads: the tests start a database
 * thread for nearly every file, and a parser thread for every document.
 */
export function startModuleWorker(siblingUrl: string, entryName: string, options: WorkerOptions = {}): Worker {
  if (!siblingUrl.endsWith('.ts')) return new Worker(new URL(`./${entryName}.js`, siblingUrl), options);
  const compiled = compiledTwin(siblingUrl, entryName);
  if (compiled) return new Worker(compiled, options);
  const entry = new URL(`./${entryName}.ts`, siblingUrl).href;
  const bootstrap = `import(${JSON.stringify(tsxEsmApiUrl())}).then((tsx) => tsx.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(siblingUrl)}))`;
  return new Worker(bootstrap, { ...options, eval: true });
}

/** The entry's compiled .js under the directory the tests compile src/ into, when there is one. */
function compiledTwin(siblingUrl: string, entryName: string): URL | undefined {
  const compiledRoot = process.env[compiledSourcesVariable];
  if (!compiledRoot) return undefined;
  const relativeDir = path.relative(sourcesRoot, path.dirname(fileURLToPath(siblingUrl)));
  if (relativeDir.startsWith('..')) return undefined;
  return pathToFileURL(path.join(compiledRoot, relativeDir, `${entryName}.js`));
}

/** tsx's ESM API as a file URL (an eval'd worker cannot resolve bare specifiers from here). */
function tsxEsmApiUrl(): string {
  const require = createRequire(import.meta.url);
  const packageJsonPath = require.resolve('tsx/package.json');
  const { exports } = require(packageJsonPath) as { exports: Record<string, { import: { default: string } }> };
  const apiPath = exports['./esm/api']?.import.default ?? './dist/esm/api/index.mjs';
  return new URL(apiPath, pathToFileURL(packageJsonPath)).href;
}
