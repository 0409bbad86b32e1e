import type { LanguageModelV3, LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { AppError } from '../../../platform/errors.js';
import { modelWithCalls } from '../../../ai/model-with-calls.js';

/** How a background call on a conversation asks whether it may run, and is stopped if that changes. */
export interface BackgroundCallGate {
  /** Fresh, not cached: whether a person has the support conversation behind `conversationId`. */
  hasPerson(tenantId: string, conversationId: string): Promise<boolean>;
  /** Registers the call so that a stop of the conversation's replies (a take commits) aborts it. */
  watchConversation(conversationId: string): { readonly signal: AbortSignal; done(): void };
}

/** Ends the job quietly: it comes back with the conversation's next turn the AI answers. */
export function withPersonNow(): AppError {
  return new AppError(
    'conflict',
    'A person has this support conversation (pending, open or snoozed), so the AI does not work on it until it is handed back',
    { endsJob: true },
  );
}

/** The conversation was taken by a person, or deleted, while the call ran: the job ends, as above. */
function stoppedWithConversation(): AppError {
  return new AppError(
    'conflict',
    'The conversation was taken by a person or deleted while the AI worked on it, so this job ends',
    { endsJob: true },
  );
}

/**
 * The model a background job (summary, memory, personality, proactive) calls on a conversation, asking
 * the desk at the moment of each call, not when the job started (issue 64): the call is registered with
 * the reply stops first, then the desk is asked. A take committed before the question refuses the call;
 * one committed after it stops the conversation's replies, which aborts this call as well. Either way no
 * model works for the AI on a conversation a person has.
 */
export function gatedAtCallTime(
  model: LanguageModelV3,
  gate: BackgroundCallGate,
  tenantId: string,
  conversationId: string,
): LanguageModelV3 {
  async function admitted(abortSignal: AbortSignal | undefined) {
    const watch = gate.watchConversation(conversationId);
    try {
      if (await gate.hasPerson(tenantId, conversationId)) throw withPersonNow();
    } catch (error) {
      watch.done();
      throw error;
    }
    const signal = abortSignal ? AbortSignal.any([abortSignal, watch.signal]) : watch.signal;
    // A stream its reader abandons never flushes: the abort that ends it forgets the call too.
    signal.addEventListener('abort', () => watch.done(), { once: true });
    return { watch, signal };
  }

  return modelWithCalls(model, {
    async doGenerate(options) {
      const { watch, signal } = await admitted(options.abortSignal);
      try {
        return await model.doGenerate({ ...options, abortSignal: signal });
      } catch (error) {
        throw watch.signal.aborted ? stoppedWithConversation() : error;
      } finally {
        watch.done();
      }
    },
    async doStream(options) {
      const { watch, signal } = await admitted(options.abortSignal);
      try {
        const result = await model.doStream({ ...options, abortSignal: signal });
        const ended = new TransformStream<LanguageModelV3StreamPart, LanguageModelV3StreamPart>({
          flush: () => watch.done(),
        });
        return { ...result, stream: result.stream.pipeThrough(ended) };
      } catch (error) {
        watch.done();
        throw watch.signal.aborted ? stoppedWithConversation() : error;
      }
    },
  });
}
