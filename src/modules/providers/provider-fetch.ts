import type { FetchFunction } from '@ai-sdk/provider-utils';
import type { OutboundHttp } from '../../platform/outbound/index.js';

/**
 * The fetch a tenant's provider SDK is given: every request through the outbound guard. The guard
 * bounds the wait for response headers, which a non-streamed answer sends only once it is complete,
 * so that bound is raised to the model call's own (MODEL_TIMEOUT_MS, chat/turn/model-stream.ts).
 */
export function guardedProviderFetch(outbound: Pick<OutboundHttp, 'fetch'>, modelTimeoutMs: number): FetchFunction {
  return (input, init) =>
    outbound.fetch(input instanceof Request ? input.url : input, { ...init, timeoutMs: modelTimeoutMs });
}
