import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * Which addresses an outbound request may reach. Only publicly routable unicast is allowed: everything
 * else (loopback, private, link-local, CGNAT, multicast, reserved, cloud metadata…) belongs to our own
 * network or to nobody. IPv6 forms that carry an IPv4 address (mapped, NAT64, 6to4) are judged by it.
 */

const cloudMetadataAddresses = new Set(['169.254.169.254', 'fd00:ec2::254', '100.100.100.200', '192.0.0.192']);

const reasonByRange: Readonly<Record<string, string>> = {
  unspecified: 'an unspecified address',
  broadcast: 'the broadcast address',
  multicast: 'a multicast address',
  linkLocal: 'a link-local address',
  loopback: 'a loopback address',
  carrierGradeNat: 'a carrier-grade NAT (shared) address',
  private: 'a private address',
  uniqueLocal: 'a private (unique local) address',
  deprecatedSiteLocal: 'a private (site-local) address',
  reserved: 'a reserved address',
  benchmarking: 'a benchmarking address',
  discard: 'a discard-only address',
  teredo: 'a Teredo tunnel address',
};

/** Global unicast IPv6 (RFC 4291): anything outside 2000::/3 is not on the public internet. */
const globalUnicastV6 = ipaddr.parseCIDR('2000::/3');

/** Parses an IP literal as it appears in a URL host (brackets allowed); null when it is not one. */
export function parseAddress(text: string): Address | null {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  // Only canonical literals: the URL parser has already turned 0x7f000001, 2130706433 or 127.1 into
  // 127.0.0.1, so a name like "127.1" that reaches here unparsed is a host name for DNS, not an address.
  if (ipaddr.IPv4.isValidFourPartDecimal(bare)) return ipaddr.IPv4.parse(bare);
  if (bare.includes(':') && ipaddr.IPv6.isValid(bare)) return ipaddr.IPv6.parse(bare);
  return null;
}

/** Why this address may not be reached ("a loopback address"), or null when it is public. */
export function describeRefusedAddress(address: Address): string | null {
  if (cloudMetadataAddresses.has(address.toNormalizedString()) || cloudMetadataAddresses.has(address.toString())) {
    return 'a cloud metadata address';
  }
  if (address.kind() === 'ipv4') {
    const range = address.range();
    return range === 'unicast' ? null : (reasonByRange[range] ?? `a special-purpose address (${range})`);
  }
  const v6 = address as ipaddr.IPv6;
  const embedded = embeddedIpv4(v6);
  if (embedded) return describeRefusedAddress(embedded);
  const range = v6.range();
  if (range === 'rfc6052') return 'a local NAT64 address';
  if (range !== 'unicast') return reasonByRange[range] ?? `a special-purpose address (${range})`;
  if (isIpv4Compatible(v6)) return 'an IPv4-compatible address (deprecated)';
  if (!v6.match(globalUnicastV6)) return 'a reserved address';
  return null;
}

/** The IPv4 address an IPv6 address stands for: ::ffff:a.b.c.d, ::ffff:0:a.b.c.d, 64:ff9b::a.b.c.d, 2002:aabb:ccdd::. */
export function embeddedIpv4(address: ipaddr.IPv6): ipaddr.IPv4 | null {
  const range = address.range();
  const bytes = address.toByteArray();
  const isWellKnownNat64 = range === 'rfc6052' && address.match(ipaddr.parseCIDR('64:ff9b::/96'));
  if (range === 'ipv4Mapped' || range === 'rfc6145' || isWellKnownNat64) {
    return ipaddr.fromByteArray(bytes.slice(12, 16)) as ipaddr.IPv4;
  }
  if (range === '6to4') return ipaddr.fromByteArray(bytes.slice(2, 6)) as ipaddr.IPv4;
  return null;
}

function isIpv4Compatible(address: ipaddr.IPv6): boolean {
  return address.parts.slice(0, 6).every((part) => part === 0);
}

/** Names that only ever mean "inside": refused before any DNS lookup, so the message is clear. */
export function describeRefusedName(hostname: string): string | null {
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) return 'a loopback name';
  if (hostname === 'metadata' || hostname === 'metadata.goog' || hostname === 'metadata.google.internal') {
    return 'a cloud metadata name';
  }
  if (hostname.endsWith('.internal') || hostname.endsWith('.local')) return 'a private network name';
  return null;
}

/**
 * Host names, IP addresses and CIDR ranges an administrator opened (OUTBOUND_ALLOW), each on every
 * port or on one (`127.0.0.1:11434`, `[::1]:11434`, `ollama.lan:11434`). A port is worth giving: a
 * host opened on every port lets every tenant admin reach whatever else listens there, such as the
 * server's own /metrics on 127.0.0.1.
 */
export interface AllowList {
  allowsName(hostname: string, port: number): boolean;
  allowsAddress(address: Address, port: number): boolean;
}

/** An entry's host and its port (undefined: every port), or undefined when it is none of the forms. */
function splitEntry(raw: string): { host: string; port: number | undefined } | undefined {
  const entry = raw.trim().toLowerCase();
  // `[v6]` or `[v6]:port`, else `host:port` (a bare IPv6 address has several colons, so it never matches).
  const match = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(entry) ?? /^([^:]+):(\d{1,5})$/.exec(entry);
  const host = match ? match[1]! : entry;
  const port = match?.[2] === undefined ? undefined : Number(match[2]);
  if (port !== undefined && (port < 1 || port > 65_535)) return undefined;
  return { host, port };
}

export function createAllowList(entries: readonly string[]): AllowList {
  const names: { name: string; port: number | undefined }[] = [];
  const ranges: { base: Address; bits: number; port: number | undefined }[] = [];
  for (const raw of entries) {
    const split = splitEntry(raw);
    if (!split?.host) continue;
    const { host, port } = split;
    if (host.includes('/') && ipaddr.isValidCIDR(host)) {
      const [base, bits] = ipaddr.parseCIDR(host);
      ranges.push({ base, bits, port });
      continue;
    }
    const address = parseAddress(host);
    if (address) ranges.push({ base: address, bits: address.kind() === 'ipv4' ? 32 : 128, port });
    else names.push({ name: normalizeHostname(host), port });
  }
  const opensPort = (entryPort: number | undefined, port: number) => entryPort === undefined || entryPort === port;
  const matchesRange = (address: Address, port: number): boolean =>
    ranges.some(
      ({ base, bits, port: entryPort }) =>
        opensPort(entryPort, port) && base.kind() === address.kind() && address.match(base, bits),
    );
  return {
    allowsName: (hostname, port) => {
      const name = normalizeHostname(hostname);
      return names.some((entry) => entry.name === name && opensPort(entry.port, port));
    },
    allowsAddress: (address, port) => {
      if (matchesRange(address, port)) return true;
      // ::ffff:127.0.0.1 is 127.0.0.1: an allowed IPv4 range covers its IPv6 spellings too.
      const embedded = address.kind() === 'ipv6' ? embeddedIpv4(address as ipaddr.IPv6) : null;
      return embedded !== null && matchesRange(embedded, port);
    },
  };
}

const hostnamePattern =
  /^(?=.{1,253}\.?$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/i;

/** What `createAllowList` understands: a CIDR range, an IP address or a host name, with a port or not. */
export function isAllowListEntry(raw: string): boolean {
  const split = splitEntry(raw);
  if (!split) return false;
  if (split.host.includes('/')) return ipaddr.isValidCIDR(split.host);
  return parseAddress(split.host) !== null || hostnamePattern.test(split.host);
}

/** Lower case, no trailing dot: "LocalHost." and "localhost" are the same host. */
export function normalizeHostname(hostname: string): string {
  const lower = hostname.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}
