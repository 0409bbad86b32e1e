import { fileURLToPath } from 'node:url';
import { build } from 'vite';

/**
 * Vitest global set-up: builds the web console into web/dist once per run, so the browser tests and
 * the server's static serving test the console as `npm start` would serve it.
 */
export default async function buildWebConsole(): Promise<void> {
  // Vitest sets NODE_ENV=test, which would give React's development build; test what users get.
  const testNodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      configFile: fileURLToPath(new URL('../web/vite.config.ts', import.meta.url)),
      mode: 'production',
      logLevel: 'warn',
    });
  } finally {
    process.env.NODE_ENV = testNodeEnv;
  }
}
