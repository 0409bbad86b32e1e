import type { OutboundHttp, OutboundHttpOptions } from './outbound-http.js';

export function createOutboundHttp(options: OutboundHttpOptions): OutboundHttp {
  void options;
  throw new Error('createOutboundHttp: not implemented yet');
}
