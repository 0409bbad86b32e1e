import { randomBytes } from 'node:crypto';

/**
 * Marks the requests a model gate started (docs/architecture.md, "The model gate and the usage ledger"). The
 * server-wide providers' pool (pooled-http.ts) sends only requests that carry the mark, so a raw provider
 * model taken from the registry, or the pool's fetch itself, sends nothing unless a metered call (src/ai)
 * started it.
 *
 * Why a header: the request is made deep inside the AI SDK, by the same provider object for a metered call
 * and a raw one; what tells them apart is who started the call. Every SDK call takes headers of its own and
 * hands them to the provider's fetch, so the gate adds a mark only this process knows and the fetch takes it
 * off again: it never leaves the server. (An AsyncLocalStorage scope did the same job, but on Node 20 one
 * run makes every promise of the process pay a hook: 2–3 ms of a chat turn's time to first token.)
 * Only src/ai may import this file (eslint.config.js), so no module can mark a request for itself.
 */
const gateHeader = 'x-parley-gated-call';
const gateMark = randomBytes(18).toString('base64url');

/** The header a gated call adds to its own (the SDK's call options take headers for the request). */
export function gatedCallHeaders(): Record<string, string> {
  return { [gateHeader]: gateMark };
}

/**
 * Whether the request carries the gate's mark, and its init without the mark (whether it carried it or
 * not: a provider is never sent it), its headers as a `Headers`.
 */
export function takeGateMark(init: RequestInit | undefined): {
  isGated: boolean;
  init: RequestInit & { headers: Headers };
} {
  const headers = new Headers(init?.headers);
  const isGated = headers.get(gateHeader) === gateMark;
  headers.delete(gateHeader);
  return { isGated, init: { ...init, headers } };
}
