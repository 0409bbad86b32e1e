/**
 * The one error type. Services throw AppError with a closed code; the HTTP error handler is the
 * only translator to application/problem+json. Messages are written for the person reading them.
 */
export const errorStatusByCode = {
  validation_failed: 400,
  malformed_request: 400,
  unauthenticated: 401,
  invalid_credentials: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  request_timeout: 408,
  payload_too_large: 413,
  uri_too_long: 414,
  unsupported_media_type: 415,
  unprocessable: 422,
  idempotency_key_reused: 422,
  rate_limited: 429,
  headers_too_large: 431,
  internal: 500,
  /** The model provider refused this request as it is (400, 413, 422): sent again unchanged, it fails again. */
  model_rejected: 422,
  model_error: 502,
  model_timeout: 504,
  not_ready: 503,
  /** The database's disk is full: nothing new can be stored until an administrator frees space. */
  storage_full: 507,
} as const;

export type ErrorCode = keyof typeof errorStatusByCode;

export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

export interface ErrorDetails {
  readonly fields?: readonly FieldProblem[];
  readonly retryAfterSeconds?: number;
  /** Extra members of the problem body (RFC 9457 extensions), e.g. the id of a message that was stored. */
  readonly extensions?: Readonly<Record<string, string | number | boolean | null>>;
  /**
   * A refusal a background job cannot wait out by retrying (a used-up budget): the job queue ends the
   * job and logs it once instead of retrying it.
   */
  readonly endsJob?: boolean;
}

export class AppError extends Error {
  override readonly name = 'AppError';
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetails = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.status = errorStatusByCode[code];
  }
}

export const notFound = (kind: string, id: string): AppError =>
  new AppError('not_found', `${kind} '${id}' was not found`);

export const forbidden = (message: string): AppError => new AppError('forbidden', message);

export const conflict = (message: string): AppError => new AppError('conflict', message);
