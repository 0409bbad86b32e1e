import { isAdmin, type Actor } from '../../access/actor.js';
import { requirePlatformAdmin } from '../../access/require-access.js';
import type { Database } from '../../platform/db/client.js';
import { AppError, forbidden, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { parseModelRef } from '../../ai/model-ref.js';
import type { PricingRepository } from './pricing.repository.js';
import { presentModelPrice, type ModelPriceView, type PutModelPriceInput } from './pricing.schemas.js';
import { costOfUsage, type ModelUsage, type UsageCost } from './usage-cost.js';

export interface PricingServiceDeps {
  readonly db: Database;
  readonly repository: PricingRepository;
}

/** Far more models than any platform runs; a bound keeps the list one bounded answer. */
export const maxModelPrices = 2000;

/** Tokens a model ref used in one tenant (`<provider>:<model>`, or `offline`). */
export interface ModelRefUsage {
  readonly modelRef: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
}

function requireReader(actor: Actor): void {
  if (!isAdmin(actor)) throw forbidden('Only administrators can read model prices');
}

export function createPricingService(deps: PricingServiceDeps) {
  const { db, repository } = deps;

  return {
    async list(actor: Actor): Promise<{ items: ModelPriceView[] }> {
      requireReader(actor);
      return { items: (await repository.listPrices(db)).map(presentModelPrice) };
    },

    async get(actor: Actor, id: string): Promise<ModelPriceView> {
      requireReader(actor);
      const row = await repository.findPrice(db, id);
      if (!row) throw notFound('Model price', id);
      return presentModelPrice(row);
    },

    async put(actor: Actor, input: PutModelPriceInput): Promise<ModelPriceView> {
      requirePlatformAdmin(actor);
      if ((await repository.countPrices(db)) >= maxModelPrices) {
        const existing = (await repository.listPrices(db)).some(
          (row) => row.providerKind === input.providerKind && row.model === input.model,
        );
        if (!existing) {
          throw new AppError(
            'conflict',
            `The price table holds its limit of ${maxModelPrices} models; delete unused ones first`,
          );
        }
      }
      return presentModelPrice(await repository.upsertPrice(db, { id: newId(), ...input }));
    },

    async remove(actor: Actor, id: string): Promise<void> {
      requirePlatformAdmin(actor);
      if (!(await repository.deletePrice(db, id))) throw notFound('Model price', id);
    },

    /**
     * The cost of a tenant's token usage by model ref: each ref's provider resolved to its kind through
     * the tenant's providers, then priced by the table. Usage of refs no price covers is listed in
     * `unpriced` (and counts as zero), so callers can tell "free" from "unknown".
     */
    async costOf(tenantId: string, usage: readonly ModelRefUsage[]): Promise<UsageCost> {
      const parsed = usage.map((item) => ({ item, ref: parseModelRef(item.modelRef) }));
      const names = [...new Set(parsed.flatMap(({ ref }) => (ref?.kind === 'provider' ? [ref.providerName] : [])))];
      const kinds = new Map(
        (await repository.providerKindsByName(db, tenantId, names)).map((row) => [row.name, row.kind]),
      );
      const modelUsage: ModelUsage[] = parsed.map(({ item, ref }) => ({
        providerKind: ref?.kind === 'provider' ? (kinds.get(ref.providerName) ?? null) : null,
        model: ref?.kind === 'provider' ? ref.modelId : item.modelRef,
        inputTokens: item.inputTokens,
        outputTokens: item.outputTokens,
      }));
      return costOfUsage(await repository.listPrices(db), modelUsage);
    },
  };
}

export type PricingService = ReturnType<typeof createPricingService>;
