export type { HostResolver, OutboundHttp, OutboundHttpOptions, OutboundRequestInit } from './outbound-http.js';
export { createOutboundHttp, OutboundTimeoutError } from './create-outbound-http.js';
export { createDirectHttp, type PooledHttp } from './pooled-http.js';
export { OutboundRefusedError } from './outbound-refused-error.js';
export { createProviderHosts, guardGlobalFetch, type ProviderHosts } from './provider-hosts.js';
