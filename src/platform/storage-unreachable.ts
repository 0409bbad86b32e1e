import { ConfigError } from '../config.js';

/**
 * Why a server named by DATABASE_URL or REDIS_URL could not be reached at start-up, as one line that
 * names the variable and where it points (never its password), for the person who set it.
 */
export function unreachableAt(variable: 'DATABASE_URL' | 'REDIS_URL', url: string, error: unknown): ConfigError {
  const what = variable === 'DATABASE_URL' ? 'PostgreSQL' : 'Redis';
  return new ConfigError(`Cannot reach ${what} at ${variable} (${withoutCredentials(url)}): ${reasonOf(error)}`);
}

function withoutCredentials(url: string): string {
  if (!URL.canParse(url)) return 'not a URL';
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
}

function reasonOf(error: unknown): string {
  const { code, message } = error as { code?: unknown; message?: unknown };
  switch (code) {
    case 'ECONNREFUSED':
      return 'nothing is listening there; start it, or correct the host and port';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name does not resolve';
    case 'ETIMEDOUT':
      return 'it did not answer in time';
    case '3D000':
      return 'the database does not exist; create it first (createdb)';
    case '28P01':
    case '28000':
      return 'it refused the user or password';
    default:
      if (typeof message === 'string' && /DB index is out of range/i.test(message)) {
        return "it has no database of the URL's number; choose one it has (0 to 15 with Redis's default of 16)";
      }
      return typeof message === 'string' && message ? message : 'the connection failed';
  }
}
