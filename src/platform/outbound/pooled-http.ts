import type * as Undici from 'undici';
import type { Agent } from 'undici';
import { createDispatcherFetch } from './dispatcher-fetch.js';
import { takeGateMark } from './gated-call-scope.js';
import { fetchPastGuard, refusedOutsideGate } from './provider-hosts.js';

/** fetch-compatible, over one pool of kept-alive connections (dispatcher-fetch.ts). */
export interface PooledHttp {
  readonly fetch: typeof fetch;
  /** Closes the pool's connections (shutdown, tests). */
  close(): Promise<void>;
}

/**
 * One undici agent and dispatcher-fetch.ts over it, built on the first request: a server that makes no
 * such request never loads undici. `build` makes the agent and the fetch that takes what
 * dispatcher-fetch.ts passes on.
 */
export function createPooledHttp(
  build: (undici: typeof Undici) => { agent: Agent; fallback: typeof fetch },
): PooledHttp {
  let pool: Promise<{ agent: Agent; fetch: typeof fetch }> | undefined;
  const loaded = () =>
    (pool ??= import('undici').then((undici) => {
      const { agent, fallback } = build(undici);
      return { agent, fetch: createDispatcherFetch(agent, fallback) };
    }));
  return {
    fetch: async (input, init) => (await loaded()).fetch(input, init),
    close: async () => {
      if (pool) await (await pool).agent.close();
    },
  };
}

/**
 * HTTP to the addresses the operator configured: the server-wide model providers of the environment.
 * No address guard, unlike outbound-http.ts, because the operator chose them (Ollama on 127.0.0.1 is the
 * usual case); but it sends only a model gate's call, which carries the gate's mark (gated-call-scope.ts): a request made outside
 * one is refused before it leaves, so nothing reaches a provider uncounted. What dispatcher-fetch.ts
 * passes on (a transcription's form) goes to the global fetch, which knows Node's own FormData (past the
 * global fetch's guard, provider-hosts.ts: the mark, checked here, is already off).
 */
export function createDirectHttp(): PooledHttp {
  const pooled = createPooledHttp(({ Agent }) => ({ agent: new Agent(), fallback: fetchPastGuard }));
  return {
    fetch: async (input, init) => {
      const marked = takeGateMark(init);
      if (!marked.isGated) throw refusedOutsideGate(urlOf(input));
      return pooled.fetch(input, marked.init);
    },
    close: () => pooled.close(),
  };
}

function urlOf(input: string | URL | Request): URL {
  return new URL(input instanceof Request ? input.url : input);
}
