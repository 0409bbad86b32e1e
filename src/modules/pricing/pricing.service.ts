import { isAdmin, type Actor } from '../../access/actor.js';
import { requirePlatformAdmin } from '../../access/require-access.js';
import type { ExpiringCache } from '../../platform/cache/expiring-cache.js';
import type { Database } from '../../platform/db/client.js';
import type { ProviderKind } from '../../platform/db/schema/index.js';
import { AppError, forbidden, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { parseModelRef } from '../../ai/model-ref.js';
import type { ModelPriceRow, PricingRepository } from './pricing.repository.js';
import { presentModelPrice, type ModelPriceView, type PutModelPriceInput } from './pricing.schemas.js';
import { costOfUsage, type ModelUsage, type UsageCost } from './usage-cost.js';

export interface PricingServiceDeps {
  readonly db: Database;
  readonly repository: PricingRepository;
  /**
   * What every finished model call is priced with, read once per few seconds instead of per call: the
   * table (one key, `priceTableKey`) and each tenant's provider kinds by name (keyed by tenant id).
   */
  readonly priceTable: ExpiringCache<readonly ModelPriceRow[]>;
  readonly tenantProviderKinds: ExpiringCache<ReadonlyMap<string, ProviderKind>>;
  /** The kinds of the server-wide providers (configured by env), for refs no tenant provider of that name takes. */
  readonly serverProviderKinds: ReadonlyMap<string, ProviderKind>;
  /** Called after a price was put or deleted (the invalidation bus, which also reaches this node). */
  readonly onPricesChanged: () => void;
}

/** The price table's one key in its cache. */
export const priceTableKey = 'table';

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
  const loadPrices = () => deps.priceTable.load(priceTableKey, () => repository.listPrices(db));
  const loadProviderKinds = (tenantId: string) =>
    deps.tenantProviderKinds.load(tenantId, async () => {
      const rows = await repository.listProviderKinds(db, tenantId);
      return new Map(rows.map((row) => [row.name, row.kind]));
    });

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
      const row = await repository.upsertPrice(db, { id: newId(), ...input });
      deps.onPricesChanged();
      return presentModelPrice(row);
    },

    async remove(actor: Actor, id: string): Promise<void> {
      requirePlatformAdmin(actor);
      if (!(await repository.deletePrice(db, id))) throw notFound('Model price', id);
      deps.onPricesChanged();
    },

    /**
     * The cost of a tenant's token usage by model ref: each ref's provider resolved to its kind through
     * the tenant's providers (or, for a name none of them has, the server-wide provider's), then priced by
     * the table. Usage of refs no price covers is listed in `unpriced` (and counts as zero), so callers can
     * tell "free" from "unknown". On every finished model call: both reads are cached.
     */
    async costOf(tenantId: string, usage: readonly ModelRefUsage[]): Promise<UsageCost> {
      const parsed = usage.map((item) => ({ item, ref: parseModelRef(item.modelRef) }));
      const hasProviderRef = parsed.some(({ ref }) => ref?.kind === 'provider');
      const [kinds, prices] = await Promise.all([
        hasProviderRef ? loadProviderKinds(tenantId) : new Map<string, ProviderKind>(),
        loadPrices(),
      ]);
      const kindOf = (name: string) => kinds.get(name) ?? deps.serverProviderKinds.get(name) ?? null;
      const modelUsage: ModelUsage[] = parsed.map(({ item, ref }) => ({
        providerKind: ref?.kind === 'provider' ? kindOf(ref.providerName) : null,
        model: ref?.kind === 'provider' ? ref.modelId : item.modelRef,
        inputTokens: item.inputTokens,
        outputTokens: item.outputTokens,
      }));
      return costOfUsage(prices, modelUsage);
    },
  };
}

export type PricingService = ReturnType<typeof createPricingService>;
