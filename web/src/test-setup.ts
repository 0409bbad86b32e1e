import { cleanup } from '@testing-library/react';
import { vi } from 'vitest';

/**
 * Runs before each test file of the web project (Vitest runs a setup file again for every test file).
 * The files share one jsdom page and module graph per worker (vitest.config.ts, `isolate: false`): a fresh
 * process for each file cost ~3 s of a worker's time, half the project's. So each file starts here from
 * what a fresh page had: nothing rendered, nothing stored, no stubs, spies or fake timers left by the file
 * before it, and none of the navigator properties a test defined (clipboard, Web Locks).
 */
const baselineKey = Symbol.for('parley.web-tests.navigator-own-keys');
const holder = globalThis as { [baselineKey]?: Set<PropertyKey> };
// Taken by the first file of the worker, before any test defined one.
const navigatorOwnKeys = (holder[baselineKey] ??= new Set(Reflect.ownKeys(navigator)));

cleanup();
document.head.replaceChildren();
document.body.replaceChildren();
localStorage.clear();
sessionStorage.clear();
for (const cookie of document.cookie.split(';')) {
  const name = cookie.split('=')[0]?.trim();
  if (name) document.cookie = `${name}=; expires=Thu, 01 Jan 1970 00:00:00 GMT`;
}
for (const key of Reflect.ownKeys(navigator)) {
  if (!navigatorOwnKeys.has(key)) Reflect.deleteProperty(navigator, key);
}
vi.useRealTimers();
vi.unstubAllGlobals();
vi.restoreAllMocks();
