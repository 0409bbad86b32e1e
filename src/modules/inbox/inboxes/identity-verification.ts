import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * What the tenant's own server computes to vouch for one of its users (as Intercom and Chatwoot do):
 * HMAC-SHA256 of the user's external id under the inbox's signing secret, in lowercase hex.
 */
export function signExternalId(signingSecret: string, externalId: string): string {
  return createHmac('sha256', signingSecret).update(externalId, 'utf8').digest('hex');
}

const hexSha256 = /^[0-9a-fA-F]{64}$/;

/**
 * Whether `signature` is the inbox's HMAC of `externalId`. Compared in constant time, so how long the
 * check takes says nothing about how much of a forged signature was right.
 */
export function isVerifiedExternalId(signingSecret: string, externalId: string, signature: string): boolean {
  if (!hexSha256.test(signature)) return false;
  const expected = Buffer.from(signExternalId(signingSecret, externalId), 'hex');
  return timingSafeEqual(expected, Buffer.from(signature, 'hex'));
}
