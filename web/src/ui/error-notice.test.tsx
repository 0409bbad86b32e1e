import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../api/api-error';
import { ErrorNotice } from './error-notice';

afterEach(cleanup);

const retryButton = () => screen.queryByRole('button', { name: 'Retry' });

describe('ErrorNotice', () => {
  it.each([
    ['a missing item (404)', new ApiError(404, 'not_found', "Server 'x' was not found")],
    ['a malformed request (400)', new ApiError(400, 'validation_failed', 'The request is invalid')],
  ])('offers no Retry for %s, which would answer the same', (_case, error) => {
    render(<ErrorNotice error={error} onRetry={() => undefined} />);
    expect(screen.getByRole('alert').textContent).toBe(error.detail);
    expect(retryButton()).toBeNull();
  });

  it.each([
    ['a server failure (503)', new ApiError(503, 'unavailable', 'The database is unavailable')],
    ['a rate limit (429)', new ApiError(429, 'rate_limited', 'Too many requests')],
    ['a lost connection', new TypeError('Failed to fetch')],
  ])('offers Retry for %s', (_case, error) => {
    render(<ErrorNotice error={error} onRetry={() => undefined} />);
    expect(retryButton()).not.toBeNull();
  });
});
