import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../config.js';
import type { Logger } from './logger.js';

/** Keys derived from the one master secret, each for one purpose. */
export interface ServerKeys {
  readonly jwtSigningKey: Uint8Array;
  readonly credentialsKey: Buffer;
  /** Stored with the data, to tell the secret it was made with from another (platform/secret-check.ts). */
  readonly fingerprint: string;
}

export const secretFileName = 'secret.key';

/** As PARLEY_SECRET_KEY must be: keys derived from a shorter secret could be guessed. */
export const minimumSecretLength = 32;

export interface ServerKeySource {
  readonly secretKey?: string | undefined;
  readonly dataDir: string;
  readonly logger: Logger;
  /** Whether storage already holds data made with a secret: then a missing secret file is not a first run. */
  readonly holdsData: () => Promise<boolean>;
}

/**
 * With a configured PARLEY_SECRET_KEY use it; in embedded mode without one, generate a secret into
 * the data directory on first run so a newcomer's `npm start` needs no set-up.
 */
export async function loadServerKeys(source: ServerKeySource): Promise<ServerKeys> {
  const master = source.secretKey ?? (await readOrCreateSecretFile(source));
  return deriveServerKeys(master);
}

export function deriveServerKeys(master: string): ServerKeys {
  const derive = (purpose: string) => Buffer.from(hkdfSync('sha256', master, 'parley', purpose, 32));
  return {
    jwtSigningKey: new Uint8Array(derive('jwt-signing')),
    credentialsKey: derive('provider-credentials'),
    fingerprint: derive('storage-fingerprint').toString('hex'),
  };
}

/**
 * The data directory's secret. An empty or cut file is refused rather than used: the signing key derived
 * from an empty secret is anyone's to compute, so anyone signed in could pass as anyone else. A missing
 * file is made only for new storage: for storage with data it would end every session and leave every
 * stored provider key unreadable, which an operator must choose, not find out.
 */
async function readOrCreateSecretFile({ dataDir, logger, holdsData }: ServerKeySource): Promise<string> {
  const file = path.join(dataDir, secretFileName);
  if (existsSync(file)) return readSecretFile(file);
  if (await holdsData()) {
    throw new ConfigError(
      `The server secret ${file} is missing, but ${dataDir} holds data made with it: restore the file from a backup, or set PARLEY_SECRET_KEY to the secret. A new secret would end every session and leave stored provider keys unreadable; to accept that, write one yourself (openssl rand -hex 32 > ${file}) and run \`parley admin accept-secret\``,
    );
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(32).toString('hex');
  // Written beside it and renamed: a crash mid-write leaves no empty secret behind.
  const written = `${file}.${process.pid}.tmp`;
  writeFileSync(written, `${secret}\n`, { mode: 0o600 });
  renameSync(written, file);
  logger.info({ file }, 'generated a new server secret (signing and encryption keys) in the data directory');
  return secret;
}

/** The secret in a data directory's secret file, refused when it is cut short. */
export function readSecretFile(file: string): string {
  // Owner-only, whatever it was given: the key to every session and stored credential.
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  const secret = readFileSync(file, 'utf8').trim();
  if (secret.length < minimumSecretLength) {
    throw new ConfigError(
      `The server secret ${file} holds ${secret.length} characters, fewer than the ${minimumSecretLength} it needs (was it cut short?): restore it from a backup, or set PARLEY_SECRET_KEY to the secret`,
    );
  }
  return secret;
}

/** AES-256-GCM; the stored form is `v1.<iv>.<tag>.<ciphertext>` in base64url. */
export function encryptSecret(key: Buffer, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), ciphertext]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

export function decryptSecret(key: Buffer, stored: string): string {
  const [version, iv, tag, ciphertext] = stored.split('.');
  if (version !== 'v1' || !iv || !tag || ciphertext === undefined)
    throw new Error('Unrecognised encrypted secret format');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
}
