import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from './logger.js';

/** Keys derived from the one master secret, each for one purpose. */
export interface ServerKeys {
  readonly jwtSigningKey: Uint8Array;
  readonly credentialsKey: Buffer;
}

const secretFileName = 'secret.key';

/**
 * With a configured PARLEY_SECRET_KEY use it; in embedded mode without one, generate a secret into
 * the data directory on first run so a newcomer's `npm start` needs no set-up.
 */
export function loadServerKeys(options: { secretKey?: string; dataDir: string; logger: Logger }): ServerKeys {
  const master = options.secretKey ?? readOrCreateSecretFile(options.dataDir, options.logger);
  return deriveServerKeys(master);
}

export function deriveServerKeys(master: string): ServerKeys {
  const derive = (purpose: string) => Buffer.from(hkdfSync('sha256', master, 'parley', purpose, 32));
  return { jwtSigningKey: new Uint8Array(derive('jwt-signing')), credentialsKey: derive('provider-credentials') };
}

function readOrCreateSecretFile(dataDir: string, logger: Logger): string {
  const file = path.join(dataDir, secretFileName);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  logger.info({ file }, 'generated a new server secret (signing and encryption keys) in the data directory');
  return secret;
}

/** AES-256-GCM; the stored form is `v1.<iv>.<tag>.<ciphertext>` in base64url. */
export function encryptSecret(key: Buffer, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), ciphertext].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
}

export function decryptSecret(key: Buffer, stored: string): string {
  const [version, iv, tag, ciphertext] = stored.split('.');
  if (version !== 'v1' || !iv || !tag || ciphertext === undefined) throw new Error('Unrecognised encrypted secret format');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
}
