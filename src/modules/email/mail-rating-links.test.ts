import { describe, expect, it } from 'vitest';
import { AppError } from '../../platform/errors.js';
import { createRatingLinks, ratingLinkValidDays } from './mail-rating-links.js';

const links = createRatingLinks({ credentialsKey: Buffer.alloc(32, 7), publicUrl: 'https://desk.example' });
const claims = {
  tenantId: '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
  supportConversationId: '0193a1b2-c3d4-7e5f-8a9b-ffffffffffff',
  resolvedAt: new Date('2026-11-29T10:00:00.123Z'),
};
const now = new Date('2026-11-29T10:05:00Z');
const statusOf = (run: () => unknown) => {
  try {
    run();
    return 200;
  } catch (error) {
    return error instanceof AppError ? error.status : 500;
  }
};

describe('rating links', () => {
  it('reads back what it signed, within the 100 characters of a URL path segment', () => {
    const token = links.tokenFor(claims, now);
    expect(token.length).toBeLessThanOrEqual(100);
    expect(links.verify(token, now)).toMatchObject(claims);
    expect(links.linkFor(claims, now)).toBe(`https://desk.example/v1/mail-ratings/${token}`);
  });

  it('refuses any changed character, a cut token and another key as 404, never 500', () => {
    const token = links.tokenFor(claims, now);
    for (let index = 0; index < token.length; index += 1) {
      const changed = `${token.slice(0, index)}${token[index] === 'A' ? 'B' : 'A'}${token.slice(index + 1)}`;
      expect(statusOf(() => links.verify(changed, now))).toBe(404);
    }
    expect(statusOf(() => links.verify(token.slice(0, -2), now))).toBe(404);
    expect(statusOf(() => links.verify('', now))).toBe(404);
    expect(statusOf(() => links.verify('%%%', now))).toBe(404);
    const other = createRatingLinks({ credentialsKey: Buffer.alloc(32, 8), publicUrl: 'https://desk.example' });
    expect(statusOf(() => other.verify(token, now))).toBe(404);
  });

  it(`refuses a link past its ${ratingLinkValidDays} days with a 403 that says when it expired`, () => {
    const token = links.tokenFor(claims, now);
    const later = new Date(now.getTime() + (ratingLinkValidDays + 1) * 86_400_000);
    expect(statusOf(() => links.verify(token, later))).toBe(403);
    expect(() => links.verify(token, later)).toThrow(/expired on/);
  });
});
