import { AppError } from '../../src/platform/errors.js';

/** The AppError a call is refused with; anything else thrown, or nothing thrown, fails the test. */
export async function appErrorOf(pending: unknown): Promise<AppError> {
  try {
    await pending;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError, but nothing was thrown');
}
