import type { LanguageModelV3, LanguageModelV3StreamPart, LanguageModelV3Usage } from '@ai-sdk/provider';

/** What watches one resolved model's calls: a check before each, and the usage of each that finishes. */
export interface ModelMeter {
  /** Throws (an AppError) when no further call may start; the first call was admitted when resolved. */
  beforeCall(): Promise<void>;
  /**
   * Called once per finished call with the provider's token counts; never rejects. Awaited before the
   * call is seen to finish, so the next call (the user's next message) is checked against this one too.
   */
  record(usage: LanguageModelV3Usage): Promise<void>;
}

/**
 * The same model, with every call (a chat reply, each step of a tool loop, a title, a job's
 * `generateText`) checked before it starts and its usage recorded when it finishes. A call already
 * streaming is never cut short: only the next call is refused.
 */
export function meteredModel(model: LanguageModelV3, meter: ModelMeter): LanguageModelV3 {
  let isFirstCall = true;
  const beforeCall = async (): Promise<void> => {
    // The resolver admitted the first call a moment ago: checking again would only cost a query.
    if (isFirstCall) {
      isFirstCall = false;
      return;
    }
    await meter.beforeCall();
  };
  return {
    specificationVersion: model.specificationVersion,
    provider: model.provider,
    modelId: model.modelId,
    get supportedUrls() {
      return model.supportedUrls;
    },
    async doGenerate(options) {
      await beforeCall();
      const result = await model.doGenerate(options);
      await meter.record(result.usage);
      return result;
    },
    async doStream(options) {
      await beforeCall();
      const result = await model.doStream(options);
      const recordFinish = new TransformStream<LanguageModelV3StreamPart, LanguageModelV3StreamPart>({
        async transform(part, controller) {
          if (part.type === 'finish') await meter.record(part.usage);
          controller.enqueue(part);
        },
      });
      return { ...result, stream: result.stream.pipeThrough(recordFinish) };
    },
  };
}
