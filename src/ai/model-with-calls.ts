import type { LanguageModelV3 } from '@ai-sdk/provider';

/**
 * `model` with its two calls replaced: what a wrapper around a model (the metered model, the desk's
 * background-call gate) keeps of it — its identity and the URLs it reads — written once.
 */
export function modelWithCalls(
  model: LanguageModelV3,
  calls: Pick<LanguageModelV3, 'doGenerate' | 'doStream'>,
): LanguageModelV3 {
  return {
    specificationVersion: model.specificationVersion,
    provider: model.provider,
    modelId: model.modelId,
    get supportedUrls() {
      return model.supportedUrls;
    },
    doGenerate: calls.doGenerate,
    doStream: calls.doStream,
  };
}
