import type { LanguageModelV3CallOptions } from '@ai-sdk/provider';
import type { TenantProviderConfig } from '../../src/ai/model-types.js';
import { guardedProviderFetch } from '../../src/modules/providers/provider-fetch.js';
import type { OutboundHttp } from '../../src/platform/outbound/index.js';

/** One user message and nothing else: the plain call the lean stream (ADR 28) serves. */
export const plainCall: LanguageModelV3CallOptions = {
  prompt: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
};

/** OpenAI's event when a stream fails after it has started; vLLM sends the same shape. */
export const streamErrorEvent = JSON.stringify({
  error: {
    message: 'The server had an error while processing your request.',
    type: 'server_error',
    param: null,
    code: null,
  },
});

/**
 * A tenant's OpenAI-compatible provider named 'local' at `baseUrl`, configured as the providers module
 * hands it out: its SDK reaches the address through `guardedProviderFetch` over the given outbound guard.
 */
export function tenantProviderAt(baseUrl: string, outbound: OutboundHttp): TenantProviderConfig {
  return {
    name: 'local',
    kind: 'openai-compatible',
    baseUrl,
    apiKey: 'sk-tenant',
    settings: {},
    fetch: guardedProviderFetch(outbound, 60_000),
  };
}
