import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testPassword, uniqueEmail } from '../harness/actors.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  nextTestAddress,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';

const tries = 50;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/**
 * A wrong password takes as long whatever accounts the address has: none, one in this tenant, or one
 * here and one in another tenant (ADR 3). Each sign-in verifies the password a fixed number of times,
 * so the medians of 50 tries each, interleaved so that the machine's load falls on all alike, stay
 * within 10 % of each other. (With one verification per account, as before, the address with two
 * accounts took about twice as long as the others.)
 */
describe('sign-in time does not tell which accounts an address has', () => {
  let t: TestApp;
  let admin: SignedInUser;
  let otherAdmin: SignedInUser;

  beforeAll(async () => {
    t = await buildTestApp();
    const platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin, 'Here');
    otherAdmin = await createTenantWithAdmin(t.app, platformAdmin, 'Elsewhere');
  }, 120_000);
  afterAll(() => t?.close());

  async function createAccount(by: SignedInUser, email: string): Promise<void> {
    const answer = await t.app.inject({
      method: 'POST',
      url: '/v1/users',
      headers: by.headers,
      payload: { email, password: testPassword, role: 'member' },
    });
    expect(answer.statusCode, answer.body).toBe(201);
  }

  async function timedWrongPassword(email: string): Promise<number> {
    const started = performance.now();
    const answer = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email, password: 'not the password at all' },
      remoteAddress: nextTestAddress(),
    });
    const elapsed = performance.now() - started;
    expect(answer.statusCode).toBe(401);
    return elapsed;
  }

  it('answers a wrong password within 10 % of the same median time for an address with no account, one, or one in another tenant too', async () => {
    const inTwoTenants = uniqueEmail('two-tenants');
    await createAccount(admin, inTwoTenants);
    await createAccount(otherAdmin, inTwoTenants);
    const oneHere = uniqueEmail('one-here');
    await createAccount(admin, oneHere);
    const addresses = { none: uniqueEmail('nobody'), oneHere, inTwoTenants };
    const times: Record<keyof typeof addresses, number[]> = { none: [], oneHere: [], inTwoTenants: [] };
    const kinds = Object.keys(addresses) as (keyof typeof addresses)[];

    // A first round warms every path (prepared statements, the throttle's keys) and is not counted.
    for (const kind of kinds) await timedWrongPassword(addresses[kind]);
    for (let round = 0; round < tries; round += 1) {
      // Each of the six orders in turn: no kind always goes first, or always follows the same one.
      const rotated = [...kinds.slice(round % 3), ...kinds.slice(0, round % 3)];
      const order = Math.floor(round / 3) % 2 ? rotated.reverse() : rotated;
      for (const kind of order) times[kind].push(await timedWrongPassword(addresses[kind]));
    }
    // Paired by round: each try is divided by its round's mean, so what the other processes on the
    // machine do to a whole round (shared CI runners, helpers beside us) cancels out; what is left is
    // the difference between the kinds, whose medians are compared.
    const roundMeans = times.none.map((_, round) => kinds.reduce((sum, kind) => sum + times[kind][round]!, 0) / 3);
    const relative = kinds.map((kind) => median(times[kind].map((time, round) => time / roundMeans[round]!)));
    const spread = (Math.max(...relative) - Math.min(...relative)) / Math.min(...relative);
    const report = kinds
      .map((kind, i) => `${kind} ${median(times[kind]).toFixed(1)} ms (×${relative[i]!.toFixed(3)})`)
      .join(', ');
    expect(spread, `medians: ${report}`).toBeLessThan(0.1);
  }, 180_000);
});
