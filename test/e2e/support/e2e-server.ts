import { buildTestApp, type TestApp } from '../../harness/test-app.js';

export interface E2eServer {
  /** `http://127.0.0.1:{port}`, what the browser opens. */
  readonly baseUrl: string;
  readonly testApp: TestApp;
  close(): Promise<void>;
}

/**
 * The real app on a fresh database, listening on a free port of 127.0.0.1 so a browser can reach it.
 * One per test file, so the file's first visit really is the server's first run.
 */
export async function startE2eServer(env: Record<string, string> = {}): Promise<E2eServer> {
  const testApp = await buildTestApp({ SIGNUP_MODE: 'invite', ...env });
  try {
    const baseUrl = await testApp.app.listen({ host: '127.0.0.1', port: 0 });
    return { baseUrl, testApp, close: () => testApp.close() };
  } catch (error) {
    await testApp.close();
    throw error;
  }
}
