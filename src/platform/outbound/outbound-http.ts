import type { LookupAddress } from 'node:dns';
import type { ProviderHosts } from './provider-hosts.js';

/**
 * The one door for HTTP requests the server makes on a user's behalf (document URLs now, MCP servers
 * and webhooks later). It refuses addresses inside our own network unless an administrator allowed them.
 */
export interface OutboundRequestInit extends RequestInit {
  /** Redirects followed (each one re-checked); default 5. */
  readonly maxRedirects?: number;
  /** Bound for the whole exchange up to the response headers; default 30 s. */
  readonly timeoutMs?: number;
}

export interface OutboundHttp {
  /** fetch-compatible (undici's fetch); MCP's StreamableHTTPClientTransport takes it as its `fetch` option. */
  fetch(input: string | URL, init?: OutboundRequestInit): Promise<Response>;
  /**
   * Throws OutboundRefusedError (an AppError 'validation_failed') when the URL or its host is refused: a
   * check before storing a URL, so the person typing it learns at once. A server-wide provider's host is
   * refused too, unless the URL is a tenant's own model provider (`isModelProvider`), whose calls will
   * carry the gate's mark; `fetch` refuses an unmarked request there whatever was checked before.
   */
  assertAllowed(url: string | URL, options?: { readonly isModelProvider?: boolean }): Promise<void>;
  /** Closes the pooled connections (shutdown, tests). */
  close(): Promise<void>;
}

/** Resolves a host name to all its addresses (the operating system's resolver unless a test injects one). */
export type HostResolver = (hostname: string) => Promise<readonly LookupAddress[]>;

export interface OutboundHttpOptions {
  /** Host names, IP addresses or CIDR ranges that may be reached even though they are private. */
  readonly allowList: readonly string[];
  /**
   * The server-wide model providers' hosts: only a request carrying the model gate's mark is sent there
   * (a tenant's own provider at the same host, through the gate); a webhook, an MCP server, a document URL
   * or an identity provider there is refused.
   */
  readonly providerHosts?: ProviderHosts;
  /** Tests inject a resolver to play a DNS that answers with private or changing addresses. */
  readonly resolve?: HostResolver;
}
