import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { ConfigError } from './config.js';

/** `NAME=value`, `export NAME=value` or `NAME = value`, as Node's parser reads them. */
const assignment = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/;
const quotes = ['"', "'", '`'];

/**
 * Reads `.env` (if present) into the environment without overriding what is already set. A byte-order
 * mark (some Windows editors save one) would otherwise become part of the first name, and a line that
 * is not an assignment would swallow the next one into its name: either way a setting is lost without
 * a word, and the server starts on something else (embedded storage instead of DATABASE_URL, say).
 */
export function loadDotEnv(file = '.env'): void {
  if (!existsSync(file)) return;
  const text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  for (const [name, value] of Object.entries(parseEnv(assignmentsOnly(text, file)))) {
    if (process.env[name] === undefined) process.env[name] = value;
  }
}

/**
 * The file as Node's parser reads it safely: each line outside a quoted multi-line value starts at its
 * name (an indented comment, or `export  NAME` with two spaces, otherwise swallowed the next line or
 * lost its name). Refuses a line that is neither blank, a comment, an assignment nor inside a value.
 */
function assignmentsOnly(text: string, file: string): string {
  let openQuote: string | undefined;
  return text
    .split(/\r?\n/)
    .map((line, index) => {
      if (openQuote) {
        if (line.includes(openQuote)) openQuote = undefined;
        return line;
      }
      const trimmed = line.trim();
      if (trimmed === '' || trimmed.startsWith('#')) return '';
      const parts = assignment.exec(line);
      if (!parts) {
        // The line itself is not quoted back: it may be a secret pasted on the wrong line.
        throw new ConfigError(
          `The environment file ${file} has a line that is not NAME=value (line ${index + 1}): fix it, or make it a comment with #`,
        );
      }
      const [, name = '', value = ''] = parts;
      const quote = quotes.find((mark) => value.startsWith(mark));
      if (quote && !value.slice(1).includes(quote)) openQuote = quote;
      return `${name}=${value}`;
    })
    .join('\n');
}
