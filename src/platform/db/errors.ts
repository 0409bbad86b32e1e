/**
 * True when the error is PostgreSQL's unique_violation (23505), optionally on one constraint.
 * Drizzle wraps driver errors, so the cause chain is searched too.
 */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth += 1) {
    const candidate = current as { code?: unknown; constraint?: unknown; message?: unknown; cause?: unknown };
    if (candidate.code === '23505') {
      if (!constraint) return true;
      return candidate.constraint === constraint || String(candidate.message).includes(constraint);
    }
    current = candidate.cause;
  }
  return false;
}
