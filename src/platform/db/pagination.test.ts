import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './pagination.js';

const id = '01937a4e-8b2c-7d3e-9f10-123456789abc';
const forge = (payload: unknown): string => Buffer.from(JSON.stringify(payload)).toString('base64url');

describe('page cursors', () => {
  it.each(['2026-01-31 09:15:02.123456+00', '2026-01-31 09:15:02+05:30', '2024-02-29 23:59:59.5-08'])(
    'round-trips a cursor at %s',
    (createdAt) => {
      expect(decodeCursor(encodeCursor({ createdAt, id }))).toEqual({ createdAt, id });
    },
  );

  it.each([
    ['not base64 JSON', 'garbage'],
    ['a wrong shape', forge({ createdAt: '2026-01-31 09:15:02+00', id })],
    ['an impossible date', forge(['2026-02-31 09:15:02+00', id])],
    ['an impossible time', forge(['2026-01-31 24:15:02+00', id])],
    ['a timestamp without offset', forge(['2026-01-31 09:15:02', id])],
    ['SQL in the timestamp', forge(["2026-01-31 09:15:02+00'; drop table users; --", id])],
    ['an id that is not a UUID', forge(['2026-01-31 09:15:02+00', 'abc'])],
  ])('refuses %s', (_label, cursor) => {
    expect(decodeCursor(cursor)).toBeUndefined();
  });
});
