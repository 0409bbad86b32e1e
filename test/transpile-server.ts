import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { TestProject } from 'vitest/node';
import { serverBuildVariable } from './cli/parley-entry.js';

const repositoryRoot = fileURLToPath(new URL('..', import.meta.url));
const sources = path.join(repositoryRoot, 'src');
/**
 * Laid out as dist/ is (src/x/y.ts becomes .test-build-PID/x/y.js), one level under the repository: the
 * server finds migrations/ and web/ by paths relative to its own files, and its packages in node_modules.
 * One directory per run (the run's process id), so two runs side by side never empty each other's.
 */
const output = path.join(repositoryRoot, `.test-build-${process.pid}`);

/**
 * Vitest global set-up: every file of src/ but the tests, transpiled file by file (not bundled) to plain
 * JavaScript, for the tests that start `parley` as a child process. Under tsx each child compiled the
 * TypeScript it loaded, 2–3 s of every start on a quiet 2-core machine, more on a busy one; this takes
 * about 2 s once. The directory is emptied and built again on every run and every watch-mode rerun, so no
 * child runs code older than the sources.
 */
export default async function transpileServer(project: TestProject): Promise<() => void> {
  await transpile();
  process.env[serverBuildVariable] = output;
  project.onTestsRerun(transpile);
  return () => rmSync(output, { recursive: true, force: true });
}

async function transpile(): Promise<void> {
  rmSync(output, { recursive: true, force: true });
  const entryPoints = readdirSync(sources, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
    .map((file) => path.join(sources, file));
  await build({
    entryPoints,
    outdir: output,
    outbase: sources,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
}
