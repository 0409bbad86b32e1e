/** An error the API answered with: `detail` is the sentence the server wrote for a person. */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly fields: readonly { field: string; message: string }[] = [],
  ) {
    super(detail);
  }
}

interface ProblemBody {
  code?: unknown;
  detail?: unknown;
  errors?: unknown;
  error?: { message?: unknown; code?: unknown };
}

/** Reads a failed response into an ApiError, keeping the server's own words. */
export async function toApiError(response: Response): Promise<ApiError> {
  const body = (await response.json().catch(() => ({}))) as ProblemBody;
  const detail =
    typeof body.detail === 'string'
      ? body.detail
      : typeof body.error?.message === 'string'
        ? body.error.message
        : `The server answered ${response.status} ${response.statusText}`.trim();
  const code =
    typeof body.code === 'string' ? body.code : typeof body.error?.code === 'string' ? body.error.code : 'unknown';
  const fields = Array.isArray(body.errors) ? (body.errors as { field: string; message: string }[]) : [];
  return new ApiError(response.status, code, detail, fields);
}

/**
 * Whether asking again could answer differently: not for a refusal of the request itself (a malformed
 * id, a missing item, a forbidden action), which only a change of the request can fix; yes for a
 * timeout, a rate limit, the server's own failure, or no answer at all.
 */
export function isWorthRetrying(error: unknown): boolean {
  if (!(error instanceof ApiError)) return true;
  return error.status >= 500 || error.status === 408 || error.status === 429;
}

/** The sentence to show a person for any thrown value. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.detail;
  if (error instanceof TypeError) return 'The server could not be reached; check your connection and try again';
  return error instanceof Error ? error.message : String(error);
}
