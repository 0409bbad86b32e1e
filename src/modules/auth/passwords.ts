import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const blockSize = 8;
const keyLength = 32;
// N · r · 128 bytes: 16 MiB at the default cost, 128 MiB at the largest PASSWORD_HASH_COST allows.
const maxmem = 256 * 1024 * 1024;

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, keyLength, { ...options, maxmem }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/**
 * Password hashing with scrypt (memory-hard, ships with Node: no native add-on). `cost` is scrypt's N
 * (PASSWORD_HASH_COST, docs/configuration.md). Each hash is stored as `scrypt$N$r$p$salt$hash`, so a
 * changed cost applies to new passwords and every stored one still verifies with its own.
 */
export function createPasswordHasher(cost: number) {
  const options: ScryptOptions = { N: cost, r: blockSize, p: 1 };

  async function hash(password: string): Promise<string> {
    const salt = randomBytes(16);
    const key = await derive(password, salt, options);
    return ['scrypt', options.N, options.r, options.p, salt.toString('base64url'), key.toString('base64url')].join('$');
  }

  async function verifyStored(password: string, stored: string): Promise<boolean> {
    const [scheme, n, r, p, salt, expectedKey] = stored.split('$');
    if (scheme !== 'scrypt' || !salt || !expectedKey) return false;
    const expected = Buffer.from(expectedKey, 'base64url');
    const actual = await derive(password, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) });
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }

  /**
   * Whether `password` opens `stored`. Without a stored hash (no such account) a dummy one is checked at
   * the same cost, so response time does not reveal which emails exist.
   */
  async function verify(password: string, stored: string | undefined): Promise<boolean> {
    if (stored !== undefined) return verifyStored(password, stored);
    await verifyStored(password, await dummy);
    return false;
  }

  // Made now, so that the first sign-in of an unknown address does not pay for it and stand out.
  const dummy = hash(randomBytes(16).toString('hex'));

  return { hash, verify };
}

export type PasswordHasher = ReturnType<typeof createPasswordHasher>;
