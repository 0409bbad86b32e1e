import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createPricingModule, usageCostSql } from '../../src/modules/pricing/index.js';
import { createLocalInvalidationBus } from '../../src/platform/cache/invalidation-bus.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';
import { rowsOf } from '../../src/platform/db/raw-sql.js';

interface PriceView {
  id: string;
  providerKind: string;
  model: string;
  inputUsdPerMillion: number;
  outputUsdPerMillion: number;
}

describe('/v1/model-prices', () => {
  let t: TestApp;
  let platformAdmin: SignedInUser;
  let tenantAdmin: SignedInUser;
  let operator: SignedInUser;

  beforeAll(async () => {
    t = await buildTestApp();
    platformAdmin = await registerPlatformAdmin(t.app);
    tenantAdmin = await createTenantWithAdmin(t.app, platformAdmin, 'Priced Ltd');
    operator = await createUser(t.app, tenantAdmin, 'operator');
  });
  afterAll(() => t.close());

  const put = (user: SignedInUser, payload: object) =>
    t.app.inject({ method: 'PUT', url: '/v1/model-prices', headers: user.headers, payload });
  const list = (user: SignedInUser) => t.app.inject({ method: 'GET', url: '/v1/model-prices', headers: user.headers });

  it('lets a platform admin set a price, and setting it again replaces it in the same row', async () => {
    const first = await put(platformAdmin, {
      providerKind: 'openai',
      model: 'gpt-4o-mini',
      inputUsdPerMillion: 0.15,
      outputUsdPerMillion: 0.6,
    });
    expect(first.statusCode).toBe(200);
    const again = await put(platformAdmin, {
      providerKind: 'openai',
      model: 'gpt-4o-mini',
      inputUsdPerMillion: 0.2,
      outputUsdPerMillion: 0.8,
    });
    expect(again.json<PriceView>().id).toBe(first.json<PriceView>().id);
    const items = (await list(tenantAdmin)).json<{ items: PriceView[] }>().items;
    expect(items).toEqual([
      expect.objectContaining({
        providerKind: 'openai',
        model: 'gpt-4o-mini',
        inputUsdPerMillion: 0.2,
        outputUsdPerMillion: 0.8,
      }),
    ]);
  });

  it('lets tenant admins read but not write, and operators neither', async () => {
    const refused = await put(tenantAdmin, {
      providerKind: 'anthropic',
      model: 'claude',
      inputUsdPerMillion: 3,
      outputUsdPerMillion: 15,
    });
    expect(refused.statusCode).toBe(403);
    expect((await list(operator)).statusCode).toBe(403);
  });

  it('refuses a negative or absurd price and an unknown provider kind, naming the field', async () => {
    const negative = await put(platformAdmin, {
      providerKind: 'openai',
      model: 'x',
      inputUsdPerMillion: -1,
      outputUsdPerMillion: 1,
    });
    expect(negative.statusCode).toBe(400);
    expect(negative.body).toContain('inputUsdPerMillion');
    const unknownKind = await put(platformAdmin, {
      providerKind: 'acme',
      model: 'x',
      inputUsdPerMillion: 1,
      outputUsdPerMillion: 1,
    });
    expect(unknownKind.statusCode).toBe(400);
    expect(unknownKind.body).toContain('providerKind');
  });

  it('deletes a price, and a second delete is a 404', async () => {
    const created = (
      await put(platformAdmin, {
        providerKind: 'cohere',
        model: 'command-r',
        inputUsdPerMillion: 0.5,
        outputUsdPerMillion: 1.5,
      })
    ).json<PriceView>();
    const remove = () =>
      t.app.inject({ method: 'DELETE', url: `/v1/model-prices/${created.id}`, headers: platformAdmin.headers });
    expect((await remove()).statusCode).toBe(204);
    expect((await remove()).statusCode).toBe(404);
  });

  it("prices a tenant's usage by model ref through its providers, and lists what no price covers", async () => {
    const provider = await t.app.inject({
      method: 'POST',
      url: '/v1/providers',
      headers: tenantAdmin.headers,
      payload: { name: 'acme-openai', kind: 'openai', apiKey: 'sk-test', models: ['gpt-4o-mini'] },
    });
    expect(provider.statusCode).toBe(201);
    const pricing = createPricingModule({
      db: t.database.db,
      invalidations: createLocalInvalidationBus(),
      serverProviders: {},
    }).service;
    const cost = await pricing.costOf(tenantAdmin.tenantId, [
      { modelRef: 'acme-openai:gpt-4o-mini', inputTokens: 2_000_000, outputTokens: 500_000 },
      { modelRef: 'offline', inputTokens: 10, outputTokens: 10 },
    ]);
    // 2 M in at $0.20 and 0.5 M out at $0.80 (the replaced price above).
    expect(cost.costUsd).toBeCloseTo(2 * 0.2 + 0.5 * 0.8, 10);
    expect(cost.unpriced.map((usage) => usage.model)).toEqual(['offline']);
    // The SQL form gives the same figure, and null for a ref no price covers.
    const priced = (ref: string) =>
      t.database.db.execute(
        sql`select ${usageCostSql({ tenantId: sql`${tenantAdmin.tenantId}::uuid`, modelRef: sql`${ref}::text`, inputTokens: sql`2000000`, outputTokens: sql`500000` })} as cost`,
      );
    expect(rowsOf<{ cost: number }>(await priced('acme-openai:gpt-4o-mini'))[0]!.cost).toBeCloseTo(0.8, 10);
    expect(rowsOf<{ cost: number | null }>(await priced('offline'))[0]!.cost).toBeNull();
  });

  it('prices the models of server-wide providers by their kind, unless a tenant provider takes the name', async () => {
    const pricing = createPricingModule({
      db: t.database.db,
      invalidations: createLocalInvalidationBus(),
      serverProviders: { openai: { apiKey: 'sk-server' }, ollama: { baseUrl: 'http://127.0.0.1:11434' } },
    }).service;
    const usage = (modelRef: string) => ({ modelRef, inputTokens: 1_000_000, outputTokens: 0 });
    const cost = await pricing.costOf(tenantAdmin.tenantId, [usage('openai:gpt-4o-mini'), usage('ollama:llama3.1:8b')]);
    // OPENAI_API_KEY's provider is `openai`, of kind openai: $0.20 for 1 M in. Ollama has no kind in the table.
    expect(cost.costUsd).toBeCloseTo(0.2, 10);
    expect(cost.unpriced.map((item) => item.model)).toEqual(['llama3.1:8b']);
    const other = await createTenantWithAdmin(t.app, platformAdmin, 'Own openai Ltd');
    const own = await t.app.inject({
      method: 'POST',
      url: '/v1/providers',
      headers: other.headers,
      payload: { name: 'openai', kind: 'anthropic', apiKey: 'sk-test', models: ['gpt-4o-mini'] },
    });
    expect(own.statusCode, own.body).toBe(201);
    // That tenant's `openai` is its own Anthropic provider: no price covers anthropic/gpt-4o-mini.
    expect((await pricing.costOf(other.tenantId, [usage('openai:gpt-4o-mini')])).costUsd).toBe(0);
  });
});
