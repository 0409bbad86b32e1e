import { readFileSync } from 'node:fs';
import { ConfigError } from './config.js';

/**
 * The settings that may come from a file instead (`NAME_FILE=/run/secrets/…`): those that hold a secret
 * or a URL with a password in it, as orchestrators mount them (Docker and Kubernetes secrets, systemd
 * credentials). Only these: a file for any setting would make every typo'd `_FILE` a silent no-op.
 */
export const fileSettings = [
  'PARLEY_SECRET_KEY',
  'DATABASE_URL',
  'REDIS_URL',
  'OPENAI_API_KEY',
  'ANTHROPIC_API_KEY',
  'AZURE_OPENAI_API_KEY',
  'OPENAI_COMPATIBLE_API_KEY',
  'COHERE_API_KEY',
  'EMAIL_SMTP_URL',
] as const;

/**
 * Reads each `NAME_FILE` into `NAME` (the file's text without its final line break, which editors and
 * `echo` add). Both set is refused: which one wins would be a guess. The file's contents are never put in
 * an error message, only its path.
 */
export function loadSecretFiles(env: NodeJS.ProcessEnv = process.env): void {
  for (const name of fileSettings) {
    const file = env[`${name}_FILE`]?.trim();
    if (!file) continue;
    if (env[name]?.trim()) {
      throw new ConfigError(`Both ${name} and ${name}_FILE are set; keep one of them`);
    }
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new ConfigError(`Invalid environment variable ${name}_FILE: cannot read ${file} (${reason})`);
    }
    const value = text.replace(/\r?\n$/, '');
    if (value.trim() === '') throw new ConfigError(`Invalid environment variable ${name}_FILE: ${file} is empty`);
    env[name] = value;
  }
}
