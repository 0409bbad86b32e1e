import type { Agent } from 'undici';
import { createDispatcherFetch } from './dispatcher-fetch.js';

export interface DirectHttp {
  /** fetch-compatible, over one pool of kept-alive connections (dispatcher-fetch.ts). */
  readonly fetch: typeof fetch;
  close(): Promise<void>;
}

/**
 * HTTP to the addresses the operator configured: the server-wide model providers of the environment.
 * No guard, unlike outbound-http.ts, because the operator chose them (Ollama on 127.0.0.1 is the usual
 * case). undici loads on the first request, so a server without such providers never holds it.
 */
export function createDirectHttp(): DirectHttp {
  let client: Promise<{ agent: Agent; fetch: typeof fetch }> | undefined;
  const loaded = () =>
    (client ??= import('undici').then(({ Agent }) => {
      const agent = new Agent();
      return { agent, fetch: createDispatcherFetch(agent, globalThis.fetch) };
    }));
  return {
    fetch: async (input, init) => (await loaded()).fetch(input, init),
    close: async () => {
      if (client) await (await client).agent.close();
    },
  };
}
