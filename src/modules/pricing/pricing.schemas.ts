import { z } from 'zod';
import { providerKinds } from '../../platform/db/schema/index.js';
import type { ModelPriceRow } from './pricing.repository.js';

/** A price per million tokens: up to $10,000, so a slipped decimal point is refused rather than stored. */
const usdPerMillion = z.number().min(0).max(10_000);

export const putModelPriceBody = z.strictObject({
  providerKind: z.enum(providerKinds),
  /** The model id after `<provider>:` in a model ref, e.g. `gpt-4o-mini` or an Azure deployment name. */
  model: z.string().trim().min(1).max(200),
  inputUsdPerMillion: usdPerMillion,
  outputUsdPerMillion: usdPerMillion,
});
export type PutModelPriceInput = z.infer<typeof putModelPriceBody>;

export const modelPriceSchema = z.object({
  id: z.uuid(),
  providerKind: z.enum(providerKinds),
  model: z.string(),
  inputUsdPerMillion: z.number(),
  outputUsdPerMillion: z.number(),
  updatedAt: z.iso.datetime(),
});
export type ModelPriceView = z.infer<typeof modelPriceSchema>;

export const modelPriceListSchema = z.object({ items: z.array(modelPriceSchema) });

export function presentModelPrice(row: ModelPriceRow): ModelPriceView {
  return {
    id: row.id,
    providerKind: row.providerKind,
    model: row.model,
    inputUsdPerMillion: row.inputUsdPerMillion,
    outputUsdPerMillion: row.outputUsdPerMillion,
    updatedAt: row.updatedAt.toISOString(),
  };
}
