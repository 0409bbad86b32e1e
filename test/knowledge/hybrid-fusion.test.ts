import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { startEmbeddingsApp, type EmbeddingsApp } from './embeddings-app.js';
import { createSource, query, uploadAccepted, waitForDocument } from './knowledge-setup.js';
import type { App } from '../../src/platform/http/types.js';
import type { SignedIn } from '../harness/actors.js';

async function uploadReady(app: App, user: SignedIn, sourceId: string, documents: Record<string, string>) {
  for (const [filename, text] of Object.entries(documents)) {
    const uploaded = await uploadAccepted(app, user, sourceId, Buffer.from(text), { filename });
    expect((await waitForDocument(app, user, sourceId, uploaded.id)).status).toBe('ready');
  }
}

async function titlesFor(app: App, user: SignedIn, sourceId: string, body: Record<string, unknown>) {
  return (await query(app, user, sourceId, body)).results.map((hit) => hit.documentTitle);
}

describe('hybrid search with the offline embedder', () => {
  let t: TestApp;
  let admin: SignedInUser;
  let handbookId: string;
  let rotaId: string;

  beforeAll(async () => {
    t = await buildTestApp();
    admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
    handbookId = (await createSource(t.app, admin, { name: 'Handbook' })).id;
    await uploadReady(t.app, admin, handbookId, {
      'passwords.txt': 'Passwords expire every ninety days; pick a new one on the account page.',
      'printer.txt': 'Change the printer toner when the orange light blinks.',
      'releases.txt': 'Change requests go to the release board on Mondays.',
      'desks.txt': 'Desk changes are booked with the office manager.',
      'shifts.txt': 'Shift changes need the approval of the team lead.',
    });
    rotaId = (await createSource(t.app, admin, { name: 'Rota', chunkTokens: 64, chunkOverlapTokens: 0 })).id;
    const rules = Array.from(
      { length: 500 },
      (_, index) => `Rule ${index + 1} of the rota: desk ${index % 7} is staffed on shift ${index % 3}.`,
    );
    await uploadReady(t.app, admin, rotaId, { 'rota.txt': rules.join(' ') });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it('finds the document of misspelled words through its vectors, first, where exact BM25 finds nothing', async () => {
    // Neither "pasword" nor "expiry" is a term of any document ("expire" is another stem).
    const asTyped = { query: 'pasword expiry', correct: false };
    const lexical = await titlesFor(t.app, admin, handbookId, { ...asTyped, mode: 'lexical' });
    expect(lexical).toEqual([]);
    const hybrid = await titlesFor(t.app, admin, handbookId, { ...asTyped, topK: 3 });
    expect(hybrid[0]).toBe('passwords.txt');
  });

  it('scores a misspelled word through the source term one edit away (query-correction.test.ts has the rest)', async () => {
    // "pasword" is one edit from "password" (the stem of "Passwords").
    const [hit] = (await query(t.app, admin, handbookId, { query: 'pasword', topK: 3 })).results;
    expect(hit?.documentTitle).toBe('passwords.txt');
    expect(hit?.lexicalScore).toBeGreaterThan(0);
    // Short words are left alone: "dek" is one edit from "desk", but so are many other words.
    const [short] = (await query(t.app, admin, handbookId, { query: 'dek', topK: 3 })).results;
    expect(short?.lexicalScore ?? null).toBeNull();
  });

  it('keeps lexical order when BM25 sees every term of the query', async () => {
    const lexical = await titlesFor(t.app, admin, handbookId, { query: 'printer toner change', mode: 'lexical' });
    const hybrid = await titlesFor(t.app, admin, handbookId, { query: 'printer toner change' });
    expect(hybrid.slice(0, lexical.length)).toEqual(lexical);
  });

  it('answers up to 100 passages for topK 100', async () => {
    const view = await query(t.app, admin, rotaId, { query: 'rota desk shift', topK: 100 });
    expect(view.results).toHaveLength(100);
    for (const mode of ['lexical', 'vector']) {
      expect((await query(t.app, admin, rotaId, { query: 'rota desk shift', topK: 100, mode })).results).toHaveLength(
        100,
      );
    }
  });

  it('refuses topK 101 with 400 and a sentence naming the limit', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: `/v1/knowledge-sources/${rotaId}/query`,
      headers: admin.headers,
      payload: { query: 'rota desk shift', topK: 101 },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().detail).toMatch(/topK.*must be at most 100/);
  });
});

/**
 * A fake of a real embedding model: words of one meaning share a dimension ("automobile" and "car"),
 * so its vectors bridge words a document does not use; product codes mean nothing to it, as to many
 * models. Words it does not know get no weight.
 */
const meanings: readonly (readonly string[])[] = [
  ['car', 'cars', 'automobile', 'vehicle'],
  ['accident', 'crash', 'collision'],
  ['claim', 'claims', 'file'],
  ['insurer', 'insurance', 'coverage'],
  ['expense', 'expenses', 'salary', 'paid'],
  ['travel', 'business', 'trip'],
  ['laptop', 'notebook', 'computer'],
  ['docking', 'dock', 'station'],
  ['battery', 'charger', 'bag'],
  ['password', 'passphrase', 'login', 'forgot', 'forgotten'],
  ['reset', 'renew', 'change'],
  ['printer', 'toner', 'ink'],
];

function meaningVector(text: string, dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (const word of text.toLowerCase().match(/[a-z]+/g) ?? []) {
    const meaning = meanings.findIndex((words) => words.includes(word));
    if (meaning >= 0) vector[meaning] = (vector[meaning] ?? 0) + 1;
  }
  const norm = Math.hypot(...vector);
  // A text of no known word points somewhere of its own, as a real model's would, not at zero.
  if (norm === 0) return vector.map((_, index) => (index === dimensions - 1 ? 1 : 0));
  return vector.map((value) => value / norm);
}

const catalogue: Record<string, string> = {
  'car-claims.txt': 'After a car accident, file a claim with the insurer within seven days.',
  'expense-claims.txt':
    'Expense claims for business travel are paid with the monthly salary; late claims are paid later.',
  'zx-laptop.txt': 'The ZX-4471 laptop ships with a docking station and a battery.',
  'qv-laptop.txt': 'The QV-2090 laptop is a laptop with a docking station, a battery and a laptop bag.',
  'passphrase.txt': 'Forgot your passphrase? Renew it from the account page.',
  'printer.txt': 'Change the printer toner when the orange light blinks.',
};
/** Each question and the one document that answers it. */
const questions: readonly (readonly [string, string])[] = [
  ['claim after a vehicle crash', 'car-claims.txt'],
  ['ZX-4471 laptop', 'zx-laptop.txt'],
  ['reset my password', 'passphrase.txt'],
  ['QV-2090 bag', 'qv-laptop.txt'],
  ['automobile insurance', 'car-claims.txt'],
];

describe('hybrid search with an informative embedding model', () => {
  let setup: EmbeddingsApp;
  let sourceId: string;

  beforeAll(async () => {
    setup = await startEmbeddingsApp();
    setup.embeddings.embedText = meaningVector;
    sourceId = (await createSource(setup.t.app, setup.admin, { embeddingModel: 'compatible:fake-embedder' })).id;
    await uploadReady(setup.t.app, setup.admin, sourceId, catalogue);
  }, 120_000);
  afterAll(async () => {
    await setup?.close();
  });

  /** Questions whose document comes first. */
  async function answeredFirst(mode: string): Promise<string[]> {
    const answered: string[] = [];
    for (const [question, document] of questions) {
      const titles = await titlesFor(setup.t.app, setup.admin, sourceId, { query: question, mode, topK: 3 });
      if (titles[0] === document) answered.push(question);
    }
    return answered;
  }

  it('ranks first the answers that either half alone misses', async () => {
    const lexical = await answeredFirst('lexical');
    const vector = await answeredFirst('vector');
    const hybrid = await answeredFirst('hybrid');
    // Lexical misses the questions in other words; the vectors miss the product codes.
    expect(lexical).not.toContain('reset my password');
    expect(vector).not.toContain('ZX-4471 laptop');
    expect(hybrid).toEqual(questions.map(([question]) => question));
    expect(hybrid.length).toBeGreaterThan(Math.max(lexical.length, vector.length));
  });
});
