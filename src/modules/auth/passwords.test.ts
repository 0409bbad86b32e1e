import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.js';
import { createPasswordHasher } from './passwords.js';

describe('password hashing', () => {
  it('stores the cost with each hash, so hashes made at another cost still verify', async () => {
    const cheap = createPasswordHasher(1024);
    const shipped = createPasswordHasher(16_384);
    const stored = await cheap.hash('correct horse battery');
    expect(stored.split('$').slice(0, 4)).toEqual(['scrypt', '1024', '8', '1']);
    expect(await shipped.verify('correct horse battery', stored)).toBe(true);
    expect(await shipped.verify('correct horse batterY', stored)).toBe(false);
    expect((await shipped.hash('x')).split('$')[1]).toBe('16384');
  });

  it('answers false for an account that does not exist, after checking a dummy hash at its own cost', async () => {
    const hasher = createPasswordHasher(1024);
    expect(await hasher.verify('anything', undefined)).toBe(false);
    expect(await hasher.verify('anything', 'not-a-hash')).toBe(false);
  });

  it('takes PASSWORD_HASH_COST only as a power of two from 1,024 to 131,072', async () => {
    expect(loadConfig({}).passwordHashCost).toBe(16_384);
    expect(loadConfig({ PASSWORD_HASH_COST: '4096' }).passwordHashCost).toBe(4096);
    expect(loadConfig({ PASSWORD_HASH_COST: '131072' }).passwordHashCost).toBe(131_072);
    // The largest allowed cost fits scrypt's memory bound (128 MiB a check).
    expect((await createPasswordHasher(131_072).hash('x')).split('$')[1]).toBe('131072');
    for (const refused of ['1000', '512', '262144']) {
      expect(() => loadConfig({ PASSWORD_HASH_COST: refused }), refused).toThrow(/PASSWORD_HASH_COST/);
    }
  });
});
