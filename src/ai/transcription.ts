import type { FetchFunction } from '@ai-sdk/provider-utils';
import type { TranscriptionModelV3 } from '@ai-sdk/provider';
import { experimental_transcribe as transcribe } from 'ai';
import type { Config } from '../config.js';
import { AppError } from '../platform/errors.js';
import { gatedCallHeaders } from '../platform/outbound/gated-call-scope.js';
import { formatModelRef, parseModelRef } from './model-ref.js';
import type { TenantProviderConfig } from './model-types.js';
import { findProviderEntry, serverProviderEntries } from './provider-entries.js';
import type { RecordModelCall } from './usage-paths.js';

/** OpenAI's own speech-to-text model, used when TRANSCRIPTION_MODEL names none and OpenAI is configured. */
export const transcriptionModelId = 'whisper-1';

export interface TranscriptionDeps {
  readonly config: Pick<Config, 'providers' | 'transcriptionModel'>;
  /** How the server-wide providers' SDKs reach them (platform/outbound/pooled-http.ts); absent, the SDK's own fetch. */
  readonly providerFetch?: FetchFunction | undefined;
  readonly loadTenantProviders: (tenantId: string) => Promise<readonly TenantProviderConfig[]>;
  /** The gate's check before the call: throws the 429 of a monthly budget used up (budgets.service admit). */
  readonly admit: (tenantId: string) => Promise<unknown>;
  /** The gate's record after it: one ledger row per call, counted in the month. */
  readonly recordModelCall: RecordModelCall;
}

export const noTranscriptionModel = () =>
  new AppError(
    'unprocessable',
    'Audio needs a transcription model, and none is configured: configure an OpenAI provider (OPENAI_API_KEY for ' +
      'the server, or an openai provider for this workspace with POST /v1/providers), or name an OpenAI, Azure or ' +
      'OpenAI-compatible model in TRANSCRIPTION_MODEL; or send the message as text',
  );

interface ChosenModel {
  readonly modelRef: string;
  readonly model: TranscriptionModelV3;
}

/**
 * Speech to text through the AI SDK, behind the model gate like every model call: admitted by the
 * tenant's budget first, written to the usage ledger after (path `transcription`; providers bill it by
 * the minute, so its row carries no tokens). TRANSCRIPTION_MODEL (`provider:model`) names the model,
 * resolved like a chat model: the tenant's provider of that name first, then the server's. Without it,
 * OpenAI's `whisper-1` through the tenant's own OpenAI provider when it has one, else the server's.
 */
export function createTranscription(deps: TranscriptionDeps) {
  const serverEntries = serverProviderEntries(deps.config.providers, deps.providerFetch);

  function chosenRef(tenantProviders: readonly TenantProviderConfig[]): string | undefined {
    if (deps.config.transcriptionModel) return deps.config.transcriptionModel;
    const tenantOpenAI = tenantProviders.find((provider) => provider.kind === 'openai' && provider.apiKey);
    if (tenantOpenAI) return formatModelRef(tenantOpenAI.name, transcriptionModelId);
    return deps.config.providers.openai ? formatModelRef('openai', transcriptionModelId) : undefined;
  }

  async function modelFor(tenantId: string): Promise<ChosenModel | undefined> {
    const tenantProviders = await deps.loadTenantProviders(tenantId);
    const modelRef = chosenRef(tenantProviders);
    const parsed = modelRef === undefined ? null : parseModelRef(modelRef);
    if (!modelRef || parsed?.kind !== 'provider') return undefined;
    const entry = findProviderEntry(serverEntries, parsed.providerName, tenantProviders);
    if (!entry?.createTranscriptions) return undefined;
    return { modelRef, model: (await entry.createTranscriptions())(parsed.modelId) };
  }

  return {
    /** Whether audio can be sent at all for this tenant; checked before anything is stored. */
    async isAvailable(tenantId: string): Promise<boolean> {
      return (await modelFor(tenantId)) !== undefined;
    },

    /** The audio's text, for `userId`'s message; a 429 when the month's budget is used up. */
    async transcribe(tenantId: string, userId: string, audio: Uint8Array, signal?: AbortSignal): Promise<string> {
      const chosen = await modelFor(tenantId);
      if (!chosen) throw noTranscriptionModel();
      await deps.admit(tenantId);
      const startedAt = performance.now();
      const record = (outcome: 'finished' | 'failed') =>
        deps.recordModelCall(tenantId, {
          path: 'transcription',
          userId,
          modelRef: chosen.modelRef,
          inputTokens: 0,
          latencyMs: Math.round(performance.now() - startedAt),
          outcome,
        });
      try {
        // Admitted and recorded here: the server-wide providers' pool sends only what carries the gate's mark.
        const { text } = await transcribe({
          model: chosen.model,
          audio,
          maxRetries: 1,
          headers: gatedCallHeaders(),
          ...(signal && { abortSignal: signal }),
        });
        await record('finished');
        return text;
      } catch (error) {
        await record('failed');
        throw new AppError(
          'unprocessable',
          `The audio could not be transcribed by '${chosen.modelRef}'; check that it is speech in a common format, or try again`,
          {},
          { cause: error },
        );
      }
    },
  };
}

export type Transcription = ReturnType<typeof createTranscription>;
