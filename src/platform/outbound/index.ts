export type { OutboundHttp, OutboundHttpOptions, OutboundRequestInit } from './outbound-http.js';
export { createOutboundHttp } from './create-outbound-http.js';
export { OutboundRefusedError } from './outbound-refused-error.js';
