import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isVerifiedExternalId, signExternalId } from './identity-verification.js';

const secret = 'a'.repeat(64);

describe('identity verification', () => {
  it("signs as a tenant's server would with any HMAC-SHA256 library", () => {
    const reference = createHmac('sha256', secret).update('user-42').digest('hex');
    expect(signExternalId(secret, 'user-42')).toBe(reference);
  });

  it('accepts the HMAC of the external id under the inbox secret, in either hex case', () => {
    const signature = signExternalId(secret, 'user-42');
    expect(isVerifiedExternalId(secret, 'user-42', signature)).toBe(true);
    expect(isVerifiedExternalId(secret, 'user-42', signature.toUpperCase())).toBe(true);
  });

  it('refuses a signature of another id, one made with another secret, a forged and a missing one', () => {
    const signature = signExternalId(secret, 'user-42');
    expect(isVerifiedExternalId(secret, 'user-43', signature)).toBe(false);
    expect(isVerifiedExternalId('b'.repeat(64), 'user-42', signature)).toBe(false);
    expect(isVerifiedExternalId(secret, 'user-42', `${signature.slice(0, 63)}0`)).toBe(false);
    expect(isVerifiedExternalId(secret, 'user-42', '')).toBe(false);
    expect(isVerifiedExternalId(secret, 'user-42', signature.slice(0, 32))).toBe(false);
    expect(isVerifiedExternalId(secret, 'user-42', 'z'.repeat(64))).toBe(false);
  });
});
