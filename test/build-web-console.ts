import { fileURLToPath } from 'node:url';
import { build } from 'vite';

/**
 * Vitest global set-up: builds the web console into web/dist once per run, so the browser tests and
 * the server's static serving test the console as `npm start` would serve it.
 */
export default async function buildWebConsole(): Promise<void> {
  await build({
    configFile: fileURLToPath(new URL('../web/vite.config.ts', import.meta.url)),
    logLevel: 'warn',
  });
}
