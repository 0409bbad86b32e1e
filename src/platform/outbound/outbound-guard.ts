import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import {
  createAllowList,
  describeRefusedAddress,
  describeRefusedName,
  normalizeHostname,
  parseAddress,
} from './address-policy.js';
import type { HostResolver } from './outbound-http.js';
import { OutboundRefusedError, refusedProviderHost } from './outbound-refused-error.js';
import type { ProviderHosts } from './provider-hosts.js';

const allowHint = 'an administrator can allow it with OUTBOUND_ALLOW';

const systemResolver: HostResolver = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses)));
  });

/**
 * The checks, in two places: `checkUrl` before each request (scheme, credentials, IP literals, names
 * that only mean "inside"), and `lookup`, which undici's connector calls for every new connection to a
 * host name. Checking inside the lookup pins the result: the addresses that were checked are the only
 * ones the socket is given, so DNS rebinding cannot change the answer between check and connect.
 */
export interface OutboundGuard {
  /** Throws OutboundRefusedError; returns the parsed URL. Does not resolve names. */
  checkUrl(url: string | URL): URL;
  /** Resolves and checks every address of a name (for callers who want the refusal before a request). */
  checkName(hostname: string, port: number): Promise<void>;
  /** The lookup for connections to `port`: the allow-list may open an address on one port only. */
  lookupFor(port: number): LookupFunction;
}

/** The port a URL (or a connection's options) connects to, its scheme's own when it names none. */
export function portOf(target: { readonly port?: string | number | null; readonly protocol?: string | null }): number {
  return Number(target.port) || (target.protocol === 'https:' ? 443 : 80);
}

export function createOutboundGuard(options: {
  readonly allowList: readonly string[];
  readonly resolve?: HostResolver | undefined;
  /**
   * Refused outright by `checkUrl`, for callers whose requests are never a model call (a sandboxed MCP
   * child's connections through its egress proxy); the outbound door checks them itself, by the gate's mark.
   */
  readonly providerHosts?: ProviderHosts | undefined;
}): OutboundGuard {
  const allowList = createAllowList(options.allowList);
  const resolve = options.resolve ?? systemResolver;

  const checkAddresses = (hostname: string, port: number, addresses: readonly LookupAddress[]): void => {
    if (addresses.length === 0) throw new OutboundRefusedError(hostname, `${hostname} has no address`);
    if (allowList.allowsName(hostname, port)) return;
    // One refused address refuses the name: otherwise a name with a public and a private address could
    // be retried until the connection lands on the private one.
    for (const { address } of addresses) {
      const parsed = parseAddress(address);
      if (!parsed)
        throw new OutboundRefusedError(hostname, `${hostname} resolved to '${address}', which is not an IP address`);
      if (allowList.allowsAddress(parsed, port)) continue;
      const reason = describeRefusedAddress(parsed);
      if (reason)
        throw new OutboundRefusedError(hostname, `${hostname} resolves to ${address}, ${reason}; ${allowHint}`);
    }
  };

  const resolveChecked = async (hostname: string, port: number): Promise<readonly LookupAddress[]> => {
    const addresses = await resolve(hostname);
    checkAddresses(hostname, port, addresses);
    return addresses;
  };

  const lookupFor =
    (port: number): LookupFunction =>
    (hostname, lookupOptions, callback) => {
      const name = normalizeHostname(hostname);
      resolveChecked(name, port).then(
        (addresses) => {
          const family =
            lookupOptions.family === 'IPv4' ? 4 : lookupOptions.family === 'IPv6' ? 6 : lookupOptions.family;
          const wanted =
            family === 4 || family === 6 ? addresses.filter((entry) => entry.family === family) : addresses;
          const first = wanted[0];
          if (!first) {
            const error: NodeJS.ErrnoException = new Error(`${name} has no IPv${family} address`);
            error.code = 'ENOTFOUND';
            callback(error, '');
          } else if (lookupOptions.all) callback(null, [...wanted]);
          else callback(null, first.address, first.family);
        },
        (error: NodeJS.ErrnoException) => callback(error, ''),
      );
    };

  return {
    lookupFor,

    checkUrl(input) {
      const url = parseUrl(input);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new OutboundRefusedError(
          url.hostname,
          `Only http and https URLs can be fetched, not ${url.protocol.slice(0, -1)}`,
        );
      }
      if (url.username || url.password) {
        throw new OutboundRefusedError(
          url.hostname,
          'URLs with a user name or password are not accepted; give credentials another way (a header or a token)',
        );
      }
      const provider = options.providerHosts?.providerAt(url);
      if (provider !== undefined) throw refusedProviderHost(url, provider);
      const hostname = normalizeHostname(url.hostname);
      const port = portOf(url);
      const address = parseAddress(hostname);
      if (address) {
        const reason = allowList.allowsAddress(address, port) ? null : describeRefusedAddress(address);
        if (reason) throw new OutboundRefusedError(hostname, `${hostname} is ${reason}; ${allowHint}`);
      } else {
        const reason = allowList.allowsName(hostname, port) ? null : describeRefusedName(hostname);
        if (reason) throw new OutboundRefusedError(hostname, `${hostname} is ${reason}; ${allowHint}`);
      }
      return url;
    },

    async checkName(hostname, port) {
      await resolveChecked(normalizeHostname(hostname), port);
    },
  };
}

function parseUrl(input: string | URL): URL {
  if (input instanceof URL) return new URL(input.href);
  const text = String(input);
  if (!URL.canParse(text)) {
    const shown = text.length > 200 ? `${text.slice(0, 200)}…` : text;
    throw new OutboundRefusedError(shown, `'${shown}' is not a valid URL`);
  }
  return new URL(text);
}
