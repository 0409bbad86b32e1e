import { ConfigError } from '../config.js';
import type { DatabaseSession } from './db/client.js';
import type { Logger } from './logger.js';
import type { ServerKeys } from './secrets.js';

export interface SecretCheckContext {
  /** Where the secret came from, as the refusal names it: "PARLEY_SECRET_KEY" or the secret file. */
  readonly secretName: string;
  /** The storage, as the refusal names it: "the database at DATABASE_URL" or the data directory. */
  readonly storageName: string;
  /** `parley admin accept-secret`: the operator changes secrets on purpose. */
  readonly acceptNewSecret: boolean;
  readonly logger: Pick<Logger, 'warn'>;
}

/**
 * Refuses a server secret other than the one the storage was made with. A wrong one started, and then
 * rejected every token the right one had signed and failed to read every stored provider key; behind a
 * load balancer, one node given another PARLEY_SECRET_KEY answered 401 to a share of all requests.
 *
 * The first start stores the secret's fingerprint (an HKDF output of its own, from which neither the
 * secret nor its keys follow); storage made before this check records the secret it next starts with.
 * Whoever can read the database can already test a guessed secret against a stored provider key, so
 * the fingerprint gives them nothing new.
 */
export async function checkSecretMatchesStorage(
  session: DatabaseSession,
  keys: Pick<ServerKeys, 'fingerprint'>,
  context: SecretCheckContext,
): Promise<void> {
  if (context.acceptNewSecret) {
    await session.executeSql(
      `insert into server_secret_check (id, fingerprint) values (true, $1)
       on conflict (id) do update set fingerprint = excluded.fingerprint, created_at = now()`,
      [keys.fingerprint],
    );
    context.logger.warn(
      'accepted a new server secret: sessions signed with the old one have ended, and stored provider keys must be entered again',
    );
    return;
  }
  // Nodes starting together on new storage each try; the one row that wins is the one compared.
  await session.executeSql(
    'insert into server_secret_check (id, fingerprint) values (true, $1) on conflict (id) do nothing',
    [keys.fingerprint],
  );
  const { rows } = await session.executeSql('select fingerprint from server_secret_check');
  const stored = (rows[0] as { fingerprint: string } | undefined)?.fingerprint;
  if (stored === keys.fingerprint) return;
  throw new ConfigError(
    `${context.secretName} is not the secret ${context.storageName} was made with (every node must share one): restore the right secret; to change secrets on purpose, which ends every session and leaves stored provider keys unreadable, run \`parley admin accept-secret\` with the new one`,
  );
}
