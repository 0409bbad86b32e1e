import type { LanguageModelV3 } from '@ai-sdk/provider';
import { meteredModel, type ModelMeter } from '../../../ai/metered-model.js';
import { tracedModel } from '../../../ai/traced-model.js';
import { providerOfModelRef } from '../../../ai/model-ref.js';
import type { UsagePath, UsageSubject } from '../../../ai/usage-paths.js';
import type { ModelRegistry, TenantProviderConfig } from '../../../ai/model-types.js';
import { AppError } from '../../../platform/errors.js';
import { createChargeHandoff, type ChargeHandoff, type MessageToCount } from '../../budgets/index.js';
import { gatedAtCallTime, type BackgroundCallGate } from './background-call-gate.js';

/** A tenant's own model providers, decrypted; implemented by the providers module. */
export type TenantProviderSource = (tenantId: string) => Promise<readonly TenantProviderConfig[]>;

export interface ResolvedModel {
  readonly model: LanguageModelV3;
  /** The ref stored on messages and in the conversation state, e.g. `openai:gpt-4o-mini`. */
  readonly modelRef: string;
  readonly providerName: string;
  readonly isOffline: boolean;
  /** The person's message, for the caller to count in its own statement (`ModelUse.isMessageCountedByCaller`). */
  readonly messageToCount?: MessageToCount;
  /**
   * Where `model`'s finished calls leave their charges for the caller's own statement
   * (`ModelUse.isChargeHandedToCaller`); the caller runs a charge it does not take alone (`runParkedAlone`).
   */
  readonly chargeHandoff?: ChargeHandoff;
  /**
   * How the call is labelled on /metrics, which anyone who reaches the server can read: a tenant's
   * provider and model names are the tenant's own (and unbounded), so they appear only as its kind.
   * On the server's providers, a model is named only when the server offers it (a well-known model of a
   * configured provider, or DEFAULT_MODEL); any other name an agent was given is `other`, so that no
   * user can add series at will, nor show their model names (a fine-tune's id) to every reader.
   */
  readonly metricLabels: ModelMetricLabels;
  /**
   * The same model, its calls recorded in the usage ledger under another path (a chat turn's title is
   * written by the turn's model, and is a `title` call).
   */
  forPath(path: UsagePath): LanguageModelV3;
}

export interface ModelMetricLabels {
  readonly provider: string;
  readonly model: string;
}

/**
 * What a model is resolved for: its path and subject, which every call's ledger row names (required, so
 * no new path reaches a provider unlabelled). `messageFrom`: the person whose message the call answers
 * (a chat turn, a retry, an OpenAI-compatible completion, `ask_agent`), so their daily message cap
 * applies and counts it; a job, a title or a continuation after a tool approval leaves it out.
 */
export interface ModelUse extends UsageSubject {
  readonly messageFrom?: string | undefined;
  /** The caller counts the message in its own statement (a chat turn's store): see `messageToCount`. */
  readonly isMessageCountedByCaller?: boolean;
  /**
   * The caller runs the charge of the resolved model's finished calls in its own statement (a chat turn's
   * reply): see `ResolvedModel.chargeHandoff`. Other paths (`forPath`: a title) are charged as they end.
   */
  readonly isChargeHandedToCaller?: boolean;
}

/** What the budgets' check before the first call found, handed on to the meter of the model resolved. */
export type ModelAdmission = object;

/** The usage budgets (modules/budgets), as the resolver needs them. */
export interface ModelBudgets {
  /**
   * Throws the 429 of a used-up budget; for a person's message, counts it against their daily cap, or
   * hands the count back for the caller's own statement (`isMessageCountedByCaller`).
   */
  admit(tenantId: string, use: ModelUse): Promise<ModelAdmission & { readonly messageToCount?: MessageToCount }>;
  meterFor(
    tenantId: string,
    call: { providerName: string; modelRef: string; isOffline: boolean; subject: UsageSubject },
    admission: ModelAdmission,
    handoff?: ChargeHandoff,
  ): ModelMeter;
}

export interface ModelResolverDeps {
  readonly registry: ModelRegistry;
  readonly loadTenantProviders: TenantProviderSource;
  /**
   * Required, so that a new resolver cannot leave the budgets out by forgetting them; undefined only
   * where a test or benchmark builds one by hand (no budget is then checked or counted).
   */
  readonly budgets: ModelBudgets | undefined;
  /**
   * The desk's rule on support conversations (the inbox module): no AI call while a person has one
   * (`pending`, `open`, `snoozed`). The gate applies it to the paths that work on a conversation in the
   * background, at each call (background-call-gate.ts); a chat turn asks the desk itself whether the AI
   * may answer, after registering its reply, so that a take racing it is seen (chat-turn.ts).
   */
  readonly supportGate?: BackgroundCallGate | undefined;
}

/** The companion jobs: none may call a model on a support conversation a person has (ADR 16, issue 45). */
const backgroundPaths: ReadonlySet<UsagePath> = new Set(['summary', 'memory', 'personality', 'proactive']);

/**
 * Every path that calls a model resolves it here, so every path gets the budgets: the check before the
 * first call (a 429 before anything is stored), and a model that checks each later call (tool-loop
 * steps, a title) and counts every call's tokens when it finishes.
 */
export type ModelResolver = (tenantId: string, agentModelRef: string, use: ModelUse) => Promise<ResolvedModel>;

/**
 * The registry names what is wrong with the ref; whoever is chatting may be a member who did not choose
 * it, so the answer also says who can fix it.
 */
function asAgentModelError(error: unknown): unknown {
  if (!(error instanceof AppError) || error.code !== 'validation_failed') return error;
  return new AppError(
    'validation_failed',
    `This agent cannot answer: ${error.message} The agent's owner or an administrator can give it another model.`,
  );
}

/**
 * An agent's model (or, when it names none, the registry's default) against the tenant's providers.
 * Throws the registry's 400 for an unknown provider or a malformed ref, before anything is stored.
 */
export function createModelResolver(deps: ModelResolverDeps): ModelResolver {
  const offeredByServer = new Set(deps.registry.listModels([]));
  return async (tenantId, agentModelRef, use) => {
    const providers = await deps.loadTenantProviders(tenantId);
    const modelRef = agentModelRef.trim() || deps.registry.defaultModelRef(providers);
    const model = await deps.registry.resolve(modelRef, providers).catch((error: unknown) => {
      throw asAgentModelError(error);
    });
    const { providerName, isOffline } = providerOfModelRef(modelRef);
    const tenantProvider = providers.find((provider) => provider.name === providerName);
    const metricLabels = tenantProvider
      ? { provider: `tenant:${tenantProvider.kind}`, model: 'tenant' }
      : { provider: providerName, model: offeredByServer.has(modelRef) ? model.modelId : 'other' };
    const resolved = { modelRef, providerName, isOffline, metricLabels };
    const { budgets, supportGate } = deps;
    const { conversationId } = use;
    // Asked at each call, not now: a job resolves its model well before it calls it.
    const gated = (path: UsagePath, called: LanguageModelV3): LanguageModelV3 =>
      conversationId && supportGate && backgroundPaths.has(path)
        ? gatedAtCallTime(called, supportGate, tenantId, conversationId)
        : called;
    if (!budgets) {
      const traced = tracedModel(model);
      return { ...resolved, model: gated(use.path, traced), forPath: (path) => gated(path, traced) };
    }
    const admission = await budgets.admit(tenantId, use);
    const { messageFrom: _from, isMessageCountedByCaller: _counted, isChargeHandedToCaller, ...subject } = use;
    const meteredFor = (path: UsagePath, handoff?: ChargeHandoff) =>
      gated(
        path,
        meteredModel(
          tracedModel(model),
          budgets.meterFor(
            tenantId,
            { providerName, modelRef, isOffline, subject: { ...subject, path } },
            admission,
            handoff,
          ),
        ),
      );
    const { messageToCount } = admission;
    const chargeHandoff = isChargeHandedToCaller ? createChargeHandoff() : undefined;
    return {
      ...resolved,
      model: meteredFor(use.path, chargeHandoff),
      forPath: (path) => meteredFor(path),
      ...(messageToCount && { messageToCount }),
      ...(chargeHandoff && { chargeHandoff }),
    };
  };
}
