import type { TranscriptionModelV3 } from '@ai-sdk/provider';
import { experimental_transcribe as transcribe } from 'ai';
import type { TenantProviderConfig } from '../../ai/model-types.js';
import { createOpenAITranscriptionModel } from '../../ai/providers/openai-provider.js';
import type { Config } from '../../config.js';
import { AppError } from '../../platform/errors.js';

/** OpenAI's own speech-to-text model; OpenAI-compatible servers that transcribe serve it under this name too. */
export const transcriptionModelId = 'whisper-1';

export interface TranscriptionDeps {
  readonly config: Pick<Config, 'providers'>;
  readonly loadTenantProviders: (tenantId: string) => Promise<readonly TenantProviderConfig[]>;
}

export const noTranscriptionModel = () =>
  new AppError(
    'unprocessable',
    'Audio needs a transcription model, and none is configured: configure an OpenAI provider (OPENAI_API_KEY for ' +
      'the server, or an openai provider for this workspace with POST /v1/providers), or send the message as text',
  );

/**
 * Speech to text through the AI SDK, with the tenant's own OpenAI provider when it has one, else the
 * server's. Other providers have no transcription endpoint we can rely on.
 */
export function createTranscription(deps: TranscriptionDeps) {
  async function modelFor(tenantId: string): Promise<TranscriptionModelV3 | undefined> {
    const tenantOpenAI = (await deps.loadTenantProviders(tenantId)).find(
      (provider) => provider.kind === 'openai' && provider.apiKey,
    );
    const settings = tenantOpenAI
      ? { apiKey: tenantOpenAI.apiKey!, baseUrl: tenantOpenAI.baseUrl, fetch: tenantOpenAI.fetch }
      : deps.config.providers.openai;
    if (!settings) return undefined;
    return createOpenAITranscriptionModel(settings, transcriptionModelId);
  }

  return {
    /** Whether audio can be sent at all for this tenant; checked before anything is stored. */
    async isAvailable(tenantId: string): Promise<boolean> {
      return (await modelFor(tenantId)) !== undefined;
    },

    async transcribe(tenantId: string, audio: Uint8Array, signal?: AbortSignal): Promise<string> {
      const model = await modelFor(tenantId);
      if (!model) throw noTranscriptionModel();
      try {
        const result = await transcribe({ model, audio, maxRetries: 1, ...(signal && { abortSignal: signal }) });
        return result.text;
      } catch (error) {
        throw new AppError(
          'unprocessable',
          'The audio could not be transcribed by the OpenAI provider; check that it is speech in a common format, or try again',
          {},
          { cause: error },
        );
      }
    },
  };
}

export type Transcription = ReturnType<typeof createTranscription>;
