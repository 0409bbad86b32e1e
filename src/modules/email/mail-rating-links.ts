import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { AppError } from '../../platform/errors.js';

/** How long a rating link works after its mail was written. */
export const ratingLinkValidDays = 30;
const validMs = ratingLinkValidDays * 24 * 60 * 60_000;

/** What a rating link names: one resolution of one conversation, until `expiresAt`. */
export interface RatingLinkClaims {
  readonly tenantId: string;
  readonly supportConversationId: string;
  /** When the conversation was resolved (its `statusChangedAt`): a link rates that resolution only. */
  readonly resolvedAt: Date;
  readonly expiresAt: Date;
}

/**
 * A token's claims, packed (a URL path segment takes at most 100 characters): the two ids' 16 bytes each,
 * the resolution's time in milliseconds (8 bytes) and the expiry in seconds (4 bytes).
 */
const claimsBytes = 44;
/** 128 bits of HMAC-SHA-256: far past guessing, and the token stays short. */
const signatureBytes = 16;

const uuidBytes = (id: string) => Buffer.from(id.replaceAll('-', ''), 'hex');
const uuidOf = (bytes: Buffer) => bytes.toString('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');

function packClaims(claims: RatingLinkClaims): Buffer {
  const packed = Buffer.alloc(claimsBytes);
  uuidBytes(claims.tenantId).copy(packed, 0);
  uuidBytes(claims.supportConversationId).copy(packed, 16);
  packed.writeBigUInt64BE(BigInt(claims.resolvedAt.getTime()), 32);
  packed.writeUInt32BE(Math.floor(claims.expiresAt.getTime() / 1000), 40);
  return packed;
}

function unpackClaims(packed: Buffer): RatingLinkClaims {
  return {
    tenantId: uuidOf(packed.subarray(0, 16)),
    supportConversationId: uuidOf(packed.subarray(16, 32)),
    resolvedAt: new Date(Number(packed.readBigUInt64BE(32))),
    expiresAt: new Date(packed.readUInt32BE(40) * 1000),
  };
}

/**
 * Signed links to the rating page (docs/email-inbox.md, "Rating by mail"): HMAC-SHA-256 under a key
 * derived from the server's credentials key for this purpose alone, so no other token can pass as one
 * and a change of one character is refused. No row is needed to check a link, and none to make one.
 */
export function createRatingLinks(options: { readonly credentialsKey: Buffer; readonly publicUrl: string }) {
  const key = Buffer.from(hkdfSync('sha256', options.credentialsKey, 'parley', 'mail-rating-links', 32));
  const signatureOf = (packed: Buffer) => createHmac('sha256', key).update(packed).digest().subarray(0, signatureBytes);

  return {
    /** The token for a resolution, working for `ratingLinkValidDays` from `now`. */
    tokenFor(claims: Omit<RatingLinkClaims, 'expiresAt'>, now: Date): string {
      const packed = packClaims({ ...claims, expiresAt: new Date(now.getTime() + validMs) });
      return Buffer.concat([packed, signatureOf(packed)]).toString('base64url');
    },

    linkFor(claims: Omit<RatingLinkClaims, 'expiresAt'>, now: Date): string {
      return `${options.publicUrl}/v1/mail-ratings/${this.tokenFor(claims, now)}`;
    },

    /** The claims of a genuine, unexpired token; a 404 for anything else (never which part failed to whom). */
    verify(token: string, now: Date): RatingLinkClaims {
      const bytes = /^[\w-]+$/.test(token) ? Buffer.from(token, 'base64url') : Buffer.alloc(0);
      if (bytes.length !== claimsBytes + signatureBytes) throw invalidLink();
      const packed = bytes.subarray(0, claimsBytes);
      if (!timingSafeEqual(signatureOf(packed), bytes.subarray(claimsBytes))) throw invalidLink();
      const claims = unpackClaims(packed);
      if (claims.expiresAt.getTime() < now.getTime()) {
        throw new AppError(
          'forbidden',
          `This rating link expired on ${claims.expiresAt.toUTCString()}: links work for ${ratingLinkValidDays} days. Reply to the mail to tell us how we did.`,
        );
      }
      return claims;
    },
  };
}

const invalidLink = () =>
  new AppError(
    'not_found',
    'This rating link is not valid: it may have been cut short or changed. Open the link from the mail again, whole.',
  );

export type RatingLinks = ReturnType<typeof createRatingLinks>;
