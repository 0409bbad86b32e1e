import { ConfigError } from '../config.js';
import type { DatabaseSession } from './db/client.js';
import type { Logger } from './logger.js';
import { decryptSecret, type ServerKeys } from './secrets.js';

export interface SecretCheckContext {
  /** Where the secret came from, as the refusal names it: "PARLEY_SECRET_KEY" or the secret file. */
  readonly secretName: string;
  /** The storage, as the refusal names it: "the database at DATABASE_URL" or the data directory. */
  readonly storageName: string;
  /** `parley admin accept-secret`: the operator changes secrets on purpose. */
  readonly acceptNewSecret: boolean;
  readonly logger: Pick<Logger, 'info' | 'warn'>;
}

const acceptHint =
  'to change secrets on purpose, which ends every session and leaves stored provider keys unreadable, stop every node, run `parley admin accept-secret` with the new one, and start them with it';

/**
 * Refuses a server secret other than the one the storage was made with. A wrong one started, and then
 * rejected every token the right one had signed and failed to read every stored provider key; behind a
 * load balancer, one node given another PARLEY_SECRET_KEY answered 401 to a share of all requests.
 *
 * The first start stores the secret's fingerprint (an HKDF output of its own, from which neither the
 * secret nor its keys follow). Storage made before this check has none: there the secret must read the
 * encrypted credentials already stored, if any, before its fingerprint is recorded, so that the first
 * process to reach an upgraded database with a wrong secret cannot make it the storage's own. Whoever
 * can read the database can already test a guessed secret against a stored key, so the fingerprint
 * gives them nothing new.
 */
export async function checkSecretMatchesStorage(
  session: DatabaseSession,
  keys: Pick<ServerKeys, 'fingerprint' | 'credentialsKey'>,
  context: SecretCheckContext,
): Promise<void> {
  const stored = await storedFingerprint(session);
  if (context.acceptNewSecret) return acceptSecret(session, keys, stored, context.logger);
  if (stored === keys.fingerprint) return;
  if (stored !== undefined) throw notTheSecret(context);
  if (!(await readsStoredCredentials(session, keys))) {
    throw new ConfigError(
      `${context.secretName} cannot read the credentials stored in ${context.storageName}: it is not the secret they were made with. Restore the right secret; ${acceptHint}`,
    );
  }
  // Nodes starting together on new storage each try; the one row that wins is the one compared.
  await session.executeSql(
    'insert into server_secret_check (id, fingerprint) values (true, $1) on conflict (id) do nothing',
    [keys.fingerprint],
  );
  if ((await storedFingerprint(session)) !== keys.fingerprint) throw notTheSecret(context);
  context.logger.info("recorded the server secret's fingerprint: a node given another secret is refused");
}

/**
 * Whether the storage now names another secret than this node's: `parley admin accept-secret` ran
 * while it was up. Such a node signs tokens the others refuse; /ready and the maintenance sweep say so.
 */
export async function isSecretReplaced(
  session: Pick<DatabaseSession, 'executeSql'>,
  keys: Pick<ServerKeys, 'fingerprint'>,
): Promise<boolean> {
  const stored = await storedFingerprint(session);
  return stored !== undefined && stored !== keys.fingerprint;
}

async function acceptSecret(
  session: DatabaseSession,
  keys: Pick<ServerKeys, 'fingerprint'>,
  stored: string | undefined,
  logger: Pick<Logger, 'info' | 'warn'>,
): Promise<void> {
  if (stored === keys.fingerprint) {
    logger.info('the configured secret is already the storage’s own; nothing changed');
    return;
  }
  await session.executeSql(
    `insert into server_secret_check (id, fingerprint) values (true, $1)
     on conflict (id) do update set fingerprint = excluded.fingerprint, created_at = now()`,
    [keys.fingerprint],
  );
  logger.warn(
    'accepted a new server secret: sessions signed with the old one end, stored provider keys must be entered again, and nodes still running with the old secret report not ready until restarted with the new one',
  );
}

/** The fingerprint the storage keeps of its secret; none before the first start (a backup carries it). */
export async function storedFingerprint(session: Pick<DatabaseSession, 'executeSql'>): Promise<string | undefined> {
  const { rows } = await session.executeSql('select fingerprint from server_secret_check');
  return (rows[0] as { fingerprint: string } | undefined)?.fingerprint;
}

/** True when nothing encrypted is stored yet, or the first stored credential decrypts with these keys. */
async function readsStoredCredentials(
  session: Pick<DatabaseSession, 'executeSql'>,
  keys: Pick<ServerKeys, 'credentialsKey'>,
): Promise<boolean> {
  const { rows } = await session.executeSql(
    `(select encrypted_api_key as sealed from providers where encrypted_api_key is not null limit 1)
     union all
     (select coalesce(encrypted_headers, encrypted_env) from mcp_servers
      where encrypted_headers is not null or encrypted_env is not null limit 1)
     limit 1`,
  );
  const sealed = (rows[0] as { sealed: string } | undefined)?.sealed;
  if (sealed === undefined) return true;
  try {
    decryptSecret(keys.credentialsKey, sealed);
    return true;
  } catch {
    return false;
  }
}

function notTheSecret(context: SecretCheckContext): ConfigError {
  return new ConfigError(
    `${context.secretName} is not the secret ${context.storageName} was made with (every node must share one): restore the right secret; ${acceptHint}`,
  );
}
