import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread on the module `entryName` that lies beside `siblingUrl` (the caller's
 * `import.meta.url`). From dist/ the entry is a plain .js sibling. From TypeScript sources (vitest, tsx)
 * it is a .ts file that Node cannot load by itself, and on Node 20 a worker's `--import tsx` does not
 * reach its entry module: a tiny bootstrap registers tsx inside the worker and imports the .ts entry
 * through it.
 */
export function startModuleWorker(siblingUrl: string, entryName: string, options: WorkerOptions = {}): Worker {
  if (!siblingUrl.endsWith('.ts')) return new Worker(new URL(`./${entryName}.js`, siblingUrl), options);
  const entry = new URL(`./${entryName}.ts`, siblingUrl).href;
  const bootstrap = `import(${JSON.stringify(tsxEsmApiUrl())}).then((tsx) => tsx.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(siblingUrl)}))`;
  return new Worker(bootstrap, { ...options, eval: true });
}

/** tsx's ESM API as a file URL (an eval'd worker cannot resolve bare specifiers from here). */
function tsxEsmApiUrl(): string {
  const require = createRequire(import.meta.url);
  const packageJsonPath = require.resolve('tsx/package.json');
  const { exports } = require(packageJsonPath) as { exports: Record<string, { import: { default: string } }> };
  const apiPath = exports['./esm/api']?.import.default ?? './dist/esm/api/index.mjs';
  return new URL(apiPath, pathToFileURL(packageJsonPath)).href;
}
