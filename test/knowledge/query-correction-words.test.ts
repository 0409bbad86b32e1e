import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { createSource, uploadAccepted, waitForDocument } from './knowledge-setup.js';

interface Answer {
  corrections: { from: string; to: string }[];
  results: { documentTitle: string }[];
}

/**
 * Issue 64: the word shown for a correction was rebuilt from a stem ("calibraton" → "calibrator" where
 * the source writes only "calibration"; "resett" → "resete"), a split word that was joined also had its
 * half corrected ("pass word" → "password" and "word" → "work"), and names were corrected although the
 * docs say they never are. A correction is now shown as a word the source writes, or not at all.
 */
describe('what query correction shows', () => {
  let t: TestApp;
  let admin: SignedInUser;
  let sourceId: string;
  let wordingId: string;

  async function corrections(id: string, query: string, mode = 'lexical') {
    const response = await t.app.inject({
      method: 'POST',
      url: `/v1/knowledge-sources/${id}/query`,
      headers: admin.headers,
      payload: { query, mode, topK: 5 },
    });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<Answer>();
  }

  async function uploadReady(id: string, filename: string, text: string) {
    const uploaded = await uploadAccepted(t.app, admin, id, Buffer.from(text), { filename });
    expect((await waitForDocument(t.app, admin, id, uploaded.id)).status).toBe('ready');
  }

  beforeAll(async () => {
    t = await buildTestApp();
    admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
    sourceId = (await createSource(t.app, admin, { name: 'Service desk' })).id;
    await uploadReady(sourceId, 'calibration.txt', 'Calibration of the scales happens each spring.');
    await uploadReady(sourceId, 'reset.txt', 'To reset the router, hold its button for ten seconds.');
    await uploadReady(sourceId, 'refunds.txt', 'Refunds reach the card within five working days.');
    await uploadReady(sourceId, 'expiry.txt', 'A voucher expires after a year.');
    await uploadReady(sourceId, 'people.txt', 'Margaret Thornton runs the Zurich office; write to her about invoices.');
    wordingId = (await createSource(t.app, admin, { name: 'Wording' })).id;
    await uploadReady(wordingId, 'sign-in.txt', 'Every account has a password, changed each year at work.');
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it('shows the word the source writes, not one rebuilt from its stem', async () => {
    for (const mode of ['lexical', 'hybrid']) {
      const calibration = await corrections(sourceId, 'calibraton', mode);
      expect(calibration.corrections, mode).toEqual([{ from: 'calibraton', to: 'calibration' }]);
      expect(calibration.results[0]?.documentTitle, mode).toBe('calibration.txt');
    }
  });

  it('shows a real word for a doubled letter', async () => {
    expect((await corrections(sourceId, 'resett')).corrections).toEqual([{ from: 'resett', to: 'reset' }]);
    expect((await corrections(sourceId, 'refundds')).corrections).toEqual([{ from: 'refundds', to: 'refunds' }]);
    expect((await corrections(sourceId, 'expiress')).corrections).toEqual([{ from: 'expiress', to: 'expires' }]);
  });

  it('reports only the join of a split word, not its halves corrected too', async () => {
    for (const mode of ['lexical', 'hybrid']) {
      const answer = await corrections(wordingId, 'pass word', mode);
      expect(answer.corrections, mode).toEqual([{ from: 'pass word', to: 'password' }]);
      expect(answer.results[0]?.documentTitle, mode).toBe('sign-in.txt');
    }
  });

  it('never corrects a name: a capitalised word where no sentence starts', async () => {
    for (const query of ['invoices for Margret', 'ask Margaret Thorton', 'the office in Zurihc']) {
      expect((await corrections(sourceId, query)).corrections, query).toEqual([]);
    }
    // The same word typed in lower case is a word, and a capital that starts a sentence is a capital.
    expect((await corrections(sourceId, 'office in zurihc')).corrections).toEqual([{ from: 'zurihc', to: 'zurich' }]);
    expect((await corrections(sourceId, 'Where is the office? Zurihc')).corrections).toEqual([
      { from: 'Zurihc', to: 'Zurich' },
    ]);
  });
});
