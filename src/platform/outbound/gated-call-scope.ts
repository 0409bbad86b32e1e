import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Marks the requests a model gate started (docs/architecture.md, "The model gate and the usage ledger"). The server-wide
 * providers' pool (pooled-http.ts) sends only inside this scope, so a raw provider model taken from the
 * registry, or the pool's fetch itself, sends nothing unless a metered call (src/ai) started it.
 *
 * Why a scope, not a second fetch: the request is made deep inside the AI SDK, by the same provider
 * object for a metered call and a raw one; what tells them apart is who started the call, and
 * AsyncLocalStorage carries that through the SDK's awaits to the fetch without touching its API.
 * Only src/ai may import this file (eslint.config.js), so no module can open the scope for itself.
 */
const gatedCall = new AsyncLocalStorage<true>();

/** Runs one call of a model gate: the provider requests it makes are allowed through the pool. */
export function runGatedCall<T>(call: () => T): T {
  return gatedCall.run(true, call);
}

/** Whether the current request was started by a model gate. */
export function isGatedCall(): boolean {
  return gatedCall.getStore() === true;
}
