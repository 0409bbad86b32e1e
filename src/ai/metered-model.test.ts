import type { LanguageModelV3Usage } from '@ai-sdk/provider';
import { generateText, streamText } from 'ai';
import { describe, expect, it } from 'vitest';
import { meteredModel, type ModelMeter } from './metered-model.js';
import { createOfflineModel } from './offline-model.js';

/** A meter that records what it saw and refuses once `refuseAfter` calls were checked. */
function recordingMeter(refuseAfter = Number.POSITIVE_INFINITY) {
  const recorded: LanguageModelV3Usage[] = [];
  let checks = 0;
  const meter: ModelMeter = {
    beforeCall: () => {
      checks += 1;
      return checks > refuseAfter ? Promise.reject(new Error('budget used up')) : Promise.resolve();
    },
    record: (usage) => {
      recorded.push(usage);
      return Promise.resolve();
    },
  };
  return { meter, recorded, checks: () => checks };
}

describe('metered model', () => {
  it('counts every finished call, streamed or generated, with the provider’s usage', async () => {
    const { meter, recorded } = recordingMeter();
    const model = meteredModel(createOfflineModel(), meter);
    await generateText({ model, prompt: 'one two three' });
    const streamed = streamText({ model, prompt: 'four five' });
    await streamed.consumeStream();
    expect(recorded).toHaveLength(2);
    expect(recorded.map((usage) => usage.inputTokens.total)).toEqual([3, 2]);
    expect((await streamed.usage).outputTokens).toBe(recorded[1]!.outputTokens.total);
  });

  it('lets the first call through unchecked (the resolver admitted it) and checks each later one', async () => {
    const { meter, recorded, checks } = recordingMeter(0);
    const model = meteredModel(createOfflineModel(), meter);
    await generateText({ model, prompt: 'admitted' });
    expect(checks()).toBe(0);
    await expect(generateText({ model, prompt: 'refused', maxRetries: 0 })).rejects.toThrow('budget used up');
    expect(checks()).toBe(1);
    // The refused call never reached the model: nothing more was counted.
    expect(recorded).toHaveLength(1);
  });

  it('keeps the model’s name and provider, so logs and metrics read the same', () => {
    const inner = createOfflineModel();
    const model = meteredModel(inner, recordingMeter().meter);
    expect([model.provider, model.modelId, model.specificationVersion]).toEqual([
      inner.provider,
      inner.modelId,
      inner.specificationVersion,
    ]);
  });
});
