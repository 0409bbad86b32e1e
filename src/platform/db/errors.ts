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
