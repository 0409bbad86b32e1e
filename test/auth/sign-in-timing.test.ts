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
 * so the medians of 50 tries each (interleaved) stay within 10 % of each other. (With one verification per account, as before, the address with two
 * accounts took about twice as long as the others.)
 */
describe('sign-in time does not tell which accounts an address has', () => {
  let t: TestApp;
  let admin: SignedInUser;
  let otherAdmin: SignedInUser;

  beforeAll(async () => {
    // The shipped cost: what an attacker would time.
    t = await buildTestApp({ PASSWORD_HASH_COST: '16384' });
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

  /** One wrong-password sign-in: its wall time and the CPU time the server's process spent on it. */
  async function timedWrongPassword(email: string): Promise<{ wallMs: number; cpuMs: number }> {
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const answer = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email, password: 'not the password at all' },
      remoteAddress: nextTestAddress(),
    });
    const cpu = process.cpuUsage(cpuBefore);
    const wallMs = performance.now() - started;
    expect(answer.statusCode).toBe(401);
    return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
  }

  it('answers a wrong password within 10 % of the same median time for an address with no account, one, or one in another tenant too', async () => {
    const inTwoTenants = uniqueEmail('two-tenants');
    await createAccount(admin, inTwoTenants);
    await createAccount(otherAdmin, inTwoTenants);
    const oneHere = uniqueEmail('one-here');
    await createAccount(admin, oneHere);
    const addresses = { none: uniqueEmail('nobody'), oneHere, inTwoTenants };
    const times: Record<keyof typeof addresses, { wallMs: number; cpuMs: number }[]> = {
      none: [],
      oneHere: [],
      inTwoTenants: [],
    };
    const kinds = Object.keys(addresses) as (keyof typeof addresses)[];

    // A first round warms every path (prepared statements, the throttle's keys) and is not counted.
    for (const kind of kinds) await timedWrongPassword(addresses[kind]);
    for (let round = 0; round < tries; round += 1) {
      // Each of the six orders in turn: no kind always goes first, or always follows the same one.
      const rotated = [...kinds.slice(round % 3), ...kinds.slice(0, round % 3)];
      const order = Math.floor(round / 3) % 2 ? rotated.reverse() : rotated;
      for (const kind of order) times[kind].push(await timedWrongPassword(addresses[kind]));
    }
    // The work a sign-in does is what an attacker's clock measures on a server with time to spare; on
    // a test machine shared with other processes the wall clock also measures them (CI runs two test
    // files at once), so the medians compared are of the CPU time this process spent on each sign-in,
    // scrypt's threads included. The wall-clock medians are reported beside them.
    const cpuMedians = kinds.map((kind) => median(times[kind].map((time) => time.cpuMs)));
    const spread = (Math.max(...cpuMedians) - Math.min(...cpuMedians)) / Math.min(...cpuMedians);
    const report = kinds
      .map(
        (kind, i) =>
          `${kind} CPU ${cpuMedians[i]!.toFixed(1)} ms, wall ${median(times[kind].map((time) => time.wallMs)).toFixed(1)} ms`,
      )
      .join('; ');
    expect(spread, `medians: ${report}`).toBeLessThan(0.1);
  }, 180_000);
});
