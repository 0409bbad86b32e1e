import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { createSource, uploadAccepted, waitForDocument } from './knowledge-setup.js';
import type { App } from '../../src/platform/http/types.js';
import type { SignedIn } from '../harness/actors.js';
import { sql } from 'drizzle-orm';
import { createEmbedderRegistry } from '../../src/ai/embeddings/embedder-registry.js';
import { createRerankerRegistry } from '../../src/ai/reranking/reranker-registry.js';
import { createKnowledgeSearch } from '../../src/modules/knowledge/retrieval/knowledge-search.js';
import { queryCorrection } from '../../src/modules/knowledge/retrieval/query-correction.js';
import { rowsOf } from '../../src/platform/db/raw-sql.js';
import { createLogger } from '../../src/platform/logger.js';

interface Answer {
  corrections: { from: string; to: string }[];
  results: { documentTitle: string; lexicalScore: number | null; highlights: string[] }[];
}

async function uploadReady(app: App, user: SignedIn, sourceId: string, documents: Record<string, string>) {
  for (const [filename, text] of Object.entries(documents)) {
    const uploaded = await uploadAccepted(app, user, sourceId, Buffer.from(text), { filename });
    expect((await waitForDocument(app, user, sourceId, uploaded.id)).status).toBe('ready');
  }
}

describe('query correction', () => {
  let t: TestApp;
  let admin: SignedInUser;
  let handbookId: string;
  let wordingId: string;

  async function ask(sourceId: string, body: Record<string, unknown>): Promise<Answer> {
    const response = await t.app.inject({
      method: 'POST',
      url: `/v1/knowledge-sources/${sourceId}/query`,
      headers: admin.headers,
      payload: { topK: 5, ...body },
    });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<Answer>();
  }
  const titles = (answer: Answer) => answer.results.map((hit) => hit.documentTitle);

  beforeAll(async () => {
    t = await buildTestApp();
    admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
    handbookId = (await createSource(t.app, admin, { name: 'Handbook' })).id;
    await uploadReady(t.app, admin, handbookId, {
      'passwords.txt': 'Passwords expire every ninety days; pick a new one on the account page.',
      'phones.txt': 'Every phone is set up by the office manager.',
      'router.txt': 'The gateway restarts at night. Order 20915 holds the brca1 kit and the tokens.',
      'models-1.txt': 'The model of the printer is on its label.',
      'models-2.txt': 'Each model comes with a manual.',
      'modem.txt': 'The modem sits under the desk.',
    });
    wordingId = (await createSource(t.app, admin, { name: 'Wording' })).id;
    await uploadReady(t.app, admin, wordingId, {
      'sign-up.txt': 'Every user picks a pass word at sign-up.',
      'backups.txt': 'The database is backed up nightly.',
    });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it('corrects a misspelled word in lexical and hybrid search alike, and says so', async () => {
    for (const mode of ['lexical', 'hybrid']) {
      // The source writes "Passwords", not "password": what is shown is a word it holds (issue 64).
      const answer = await ask(handbookId, { query: 'Pasword expiry', mode });
      expect(answer.corrections, mode).toEqual([
        { from: 'Pasword', to: 'Passwords' },
        { from: 'expiry', to: 'expire' },
      ]);
      expect(titles(answer)[0], mode).toBe('passwords.txt');
      // The corrected word is marked in the passage, as the typed ones are.
      expect(answer.results[0]!.highlights.join(' '), mode).toContain('«Passwords»');
    }
    expect((await ask(handbookId, { query: 'pasword', mode: 'vector' })).corrections).toEqual([]);
  });

  it('searches the words exactly as typed with correct: false', async () => {
    for (const mode of ['lexical', 'hybrid']) {
      const answer = await ask(handbookId, { query: 'pasword', mode, correct: false });
      expect(answer.corrections, mode).toEqual([]);
      expect(
        answer.results.every((hit) => hit.lexicalScore === null),
        mode,
      ).toBe(true);
    }
  });

  it('weighs a corrected word below the same word typed right', async () => {
    const [corrected] = (await ask(handbookId, { query: 'pasword', mode: 'lexical' })).results;
    const [exact] = (await ask(handbookId, { query: 'password', mode: 'lexical' })).results;
    expect(corrected!.lexicalScore).toBeLessThan(exact!.lexicalScore!);
    expect(corrected!.lexicalScore! / exact!.lexicalScore!).toBeCloseTo(queryCorrection.weight, 10);
  });

  it('never corrects numbers, codes, names or words the source holds', async () => {
    // Each is one edit from a word the source holds: 20916 → 20915, brca2 → brca1, iPhone → phone,
    // gatewey-routr → gateway, token_count → tokens (no edit), modem → model (held, and rarer than model).
    for (const query of ['20916', 'BRCA2', 'brca2', 'iPhone', 'IPHONE', 'gatewey-routr', 'tokenz_count', 'GATEWEY']) {
      const answer = await ask(handbookId, { query, mode: 'lexical' });
      expect(answer.corrections, query).toEqual([]);
      expect(answer.results, query).toEqual([]);
    }
    const modem = await ask(handbookId, { query: 'modem', mode: 'lexical' });
    expect(modem.corrections).toEqual([]);
    expect(titles(modem)).toEqual(['modem.txt']);
    // The same words, plain, are corrected: the rule is about what was typed.
    expect((await ask(handbookId, { query: 'iphone', mode: 'lexical' })).corrections).toEqual([
      { from: 'iphone', to: 'phone' },
    ]);
    expect((await ask(handbookId, { query: 'Gatewey', mode: 'lexical' })).corrections).toEqual([
      { from: 'Gatewey', to: 'Gateway' },
    ]);
  });

  it('finds a word written split when it is typed glued, and the other way round', async () => {
    for (const mode of ['lexical', 'hybrid']) {
      const glued = await ask(wordingId, { query: 'password', mode });
      expect(glued.corrections, mode).toEqual([{ from: 'password', to: 'pass word' }]);
      expect(titles(glued)[0], mode).toBe('sign-up.txt');
      const split = await ask(wordingId, { query: 'data base', mode });
      expect(split.corrections, mode).toEqual([{ from: 'data base', to: 'database' }]);
      expect(titles(split)[0], mode).toBe('backups.txt');
    }
    // A glued word is split only into two words the source holds ("word" is, "xyz" is not).
    expect((await ask(wordingId, { query: 'wordxyz', mode: 'lexical' })).corrections).toEqual([]);
    // Words with something else between them are not joined, and nothing is without correction.
    expect((await ask(wordingId, { query: 'data, base', mode: 'lexical' })).results).toEqual([]);
    expect((await ask(wordingId, { query: 'data base', mode: 'lexical', correct: false })).results).toEqual([]);
  });

  it('corrects only the first unheld words of a very long query', async () => {
    const letter = (index: number) => String.fromCharCode(97 + (index % 26));
    const filler = Array.from(
      { length: queryCorrection.maxWords },
      (_, index) => `zzqx${letter(Math.floor(index / 26))}${letter(index)}`,
    ).join(' ');
    expect((await ask(handbookId, { query: `pasword ${filler}`, mode: 'lexical' })).corrections).toEqual([
      { from: 'pasword', to: 'passwords' },
    ]);
    expect((await ask(handbookId, { query: `${filler} pasword`, mode: 'lexical' })).corrections).toEqual([]);
  });

  it('does not correct a word longer than the limit: its neighbours would be thousands', async () => {
    const [row] = rowsOf<{ tenant_id: string }>(
      await t.database.db.execute(sql`select tenant_id from knowledge_sources where id = ${handbookId}`),
    );
    const correctionsWith = async (maxLength: number) => {
      const search = createKnowledgeSearch({
        db: t.database.db,
        embedders: createEmbedderRegistry({ config: { providers: {} } }),
        rerankers: createRerankerRegistry({ config: { providers: {} } }),
        logger: createLogger({ level: 'silent' }),
        loadTenantProviders: async () => [],
        correctionLimits: { ...queryCorrection, maxLength },
      });
      const request = { tenantId: row!.tenant_id, sourceIds: [handbookId], topK: 5, mode: 'lexical' as const };
      return (await search.searchExplained({ ...request, query: 'pasword officemanager' })).corrections;
    };
    expect(await correctionsWith(13)).toEqual([
      { from: 'pasword', to: 'passwords' },
      { from: 'officemanager', to: 'office manager' },
    ]);
    expect(await correctionsWith(12)).toEqual([{ from: 'pasword', to: 'passwords' }]);
    expect(await correctionsWith(6)).toEqual([]);
  });

  it('costs no statement more than the words as typed: the correction is part of the search statement', async () => {
    const [tenantId] = rowsOf<{ tenant_id: string }>(
      await t.database.db.execute(sql`select tenant_id from knowledge_sources where id = ${handbookId}`),
    );
    let statements = 0;
    const counted = new Proxy(t.database.db, {
      get: (target, property, receiver) =>
        property === 'execute'
          ? (...args: Parameters<typeof target.execute>) => {
              statements += 1;
              return target.execute(...args);
            }
          : Reflect.get(target, property, receiver),
    });
    const search = createKnowledgeSearch({
      db: counted,
      embedders: createEmbedderRegistry({ config: { providers: {} } }),
      rerankers: createRerankerRegistry({ config: { providers: {} } }),
      logger: createLogger({ level: 'silent' }),
      loadTenantProviders: async () => [],
    });
    const statementsFor = async (query: string) => {
      statements = 0;
      const request = { tenantId: tenantId!.tenant_id, sourceIds: [handbookId], topK: 5, mode: 'lexical' as const };
      const outcome = await search.searchExplained({ ...request, query });
      expect(outcome.hits.length, query).toBeGreaterThan(0);
      return { statements, corrections: outcome.corrections.length };
    };
    // The BM25 statement, then the hits' details: two either way.
    expect(await statementsFor('password expire')).toEqual({ statements: 2, corrections: 0 });
    expect(await statementsFor('pasword expiry')).toEqual({ statements: 2, corrections: 2 });
  });

  it('refuses a correct flag that is not a boolean, with a sentence naming it', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: `/v1/knowledge-sources/${handbookId}/query`,
      headers: admin.headers,
      payload: { query: 'pasword', correct: 'no' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().detail).toMatch(/correct/);
  });
});
