/**
 * True when the error is PostgreSQL's unique_violation (23505), optionally on one constraint.
 * Drizzle wraps driver errors, so the cause chain is searched too.
 */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  return hasSqlState(error, '23505', constraint);
}

/** True when the error is PostgreSQL's foreign_key_violation (23503), optionally on one constraint. */
export function isForeignKeyViolation(error: unknown, constraint?: string): boolean {
  return hasSqlState(error, '23503', constraint);
}

/** The error, or one in its cause chain (Drizzle wraps the driver's), has this SQLSTATE (on this constraint). */
function hasSqlState(error: unknown, code: string, constraint?: string): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth += 1) {
    const candidate = current as { code?: unknown; constraint?: unknown; message?: unknown; cause?: unknown };
    if (candidate.code === code) {
      if (!constraint) return true;
      return candidate.constraint === constraint || String(candidate.message).includes(constraint);
    }
    current = candidate.cause;
  }
  return false;
}

/** True when PostgreSQL ended the statement to break a deadlock (40P01): it can be tried again. */
export function isDeadlock(error: unknown): boolean {
  return hasSqlState(error, '40P01');
}

/** Driver codes and SQLSTATEs that say the database cannot be reached or is not taking sessions now. */
const unavailableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  '08000', // connection_exception, and its kinds below
  '08001',
  '08003',
  '08004',
  '08006',
  '53300', // too_many_connections
  '55000', // "database … is not currently accepting connections"
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down)
]);

/**
 * What the drivers say, without a code, when the connection went or never came (node-postgres: "Client has
 * encountered a connection error and is not queryable" for a client whose connection broke under it).
 */
const unavailableMessages =
  /Connection terminated|timeout exceeded when trying to connect|is not queryable|PGlite is closed|The embedded database is closed/i;

/**
 * True when the error (or one in its cause chain) says the database is unreachable or refusing sessions,
 * rather than that a statement was wrong: the request may succeed once it is back (503, not 500).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth += 1) {
    const candidate = current as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof candidate.code === 'string' && unavailableCodes.has(candidate.code)) return true;
    if (typeof candidate.message === 'string' && unavailableMessages.test(candidate.message)) return true;
    current = candidate.cause;
  }
  return false;
}

/**
 * True when the database could not write for want of disk space (SQLSTATE 53100, disk_full): PostgreSQL's
 * volume, or embedded storage's DATA_DIR. The statement changed nothing, and one like it succeeds again
 * as soon as there is room, without a restart.
 */
export function isStorageFull(error: unknown): boolean {
  return hasSqlState(error, '53100');
}
