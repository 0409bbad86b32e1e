import { AppError } from '../errors.js';

/**
 * The guard refused a URL. An AppError (400 validation_failed) so it reaches the user as a sentence they
 * can act on; its own class so callers can tell "refused by the guard" from "the server did not answer".
 */
export class OutboundRefusedError extends AppError {
  constructor(
    /** The host as written in the URL, or the address it resolved to. */
    readonly host: string,
    message: string,
  ) {
    super('validation_failed', message);
  }
}

/**
 * A request that is not a model call, to a host where a server-wide model provider is reached
 * (provider-hosts.ts): a webhook, an MCP server, a document URL, a sandboxed child's connection.
 */
export function refusedProviderHost(url: URL, provider: string): OutboundRefusedError {
  return new OutboundRefusedError(
    url.hostname,
    `${url.host} is where this server's model provider '${provider}' is reached, and only Parley's own model calls (each one counted against the budgets) are sent there; use another URL (a tenant's own account with that provider belongs in the tenant's model providers)`,
  );
}
