import type { ModelErrorDescription } from '../../../ai/model-errors.js';
import type { Logger } from '../../../platform/logger.js';
import { interruptedReply } from './model-stream.js';

/**
 * A failed model reply, as operators read it: a streamed reply's failure reaches no request log (its
 * response began with a 200), and a provider's own words about a refused request (`providerSaid`) are
 * never shown to the user. Chat turns and the OpenAI-compatible API log it alike.
 */
export function logModelFailure(
  logger: Pick<Logger, 'warn'>,
  context: Readonly<Record<string, string>>,
  failure: { readonly error: ModelErrorDescription; readonly providerSaid?: string | undefined },
): void {
  const { error, providerSaid } = failure;
  logger.warn(
    { ...context, code: error.code, ...(providerSaid && { providerSaid }) },
    // Cut short by this node stopping: no provider to look into.
    error === interruptedReply ? 'reply cut short: this node is stopping' : `model reply failed: ${error.message}`,
  );
}
