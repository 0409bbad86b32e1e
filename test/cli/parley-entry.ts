import path from 'node:path';

/** Where the global set-up put the plain-JavaScript server (test/transpile-server.ts), for the test processes. */
import { compiledSourcesVariable } from '../../src/platform/module-worker.js';

export const serverBuildVariable = compiledSourcesVariable;

/**
 * The `parley` entry point that child processes run: src/main.ts transpiled to plain JavaScript by the
 * global set-up, so each child starts without compiling TypeScript (tsx took 2–3 s more per start).
 */
export function parleyEntry(): string {
  const build = process.env[serverBuildVariable];
  if (!build) throw new Error(`${serverBuildVariable} is not set: run the tests through vitest.config.ts`);
  return path.join(build, 'main.js');
}
