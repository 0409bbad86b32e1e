import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { Config } from '../config.js';
import { emailSchema, passwordSchema } from '../modules/auth/auth.schemas.js';
import { createPasswordHasher } from '../modules/auth/passwords.js';
import { createAuthRepository } from '../modules/auth/auth.repository.js';
import { serverDefaultModelRef } from '../ai/model-registry.js';
import { createAgentsRepository } from '../modules/agents/agents.repository.js';
import { createDefaultAgent } from '../modules/agents/default-agent.js';
import { AppError } from '../platform/errors.js';
import { newId } from '../platform/ids.js';
import type { Logger } from '../platform/logger.js';
import { visibleText } from '../platform/http/common-schemas.js';
import { openRuntime } from '../platform/runtime.js';
import { plainIssueMessage } from '../platform/validation-messages.js';

const usage = 'Usage: parley admin create --email <email> --password <password> [--tenant <name>]';
const subcommandsUsage = `${usage}, or parley admin accept-secret`;

// The tenant's name as POST /v1/tenants takes it: '   ' or a name with control characters is refused.
const createAdminArgs = z.object({ email: emailSchema, password: passwordSchema, tenant: visibleText(100) });

/** `parley admin create …` or `parley admin accept-secret`. */
export async function admin(config: Config, logger: Logger, argv: readonly string[]): Promise<void> {
  const [subcommand, ...rest] = argv;
  if (subcommand === 'create') return createAdmin(config, logger, rest);
  if (subcommand === 'accept-secret' && rest.length === 0) return acceptSecret(config, logger);
  throw new AppError('validation_failed', subcommandsUsage);
}

/**
 * Makes the configured secret the storage's own, after the operator chose to change it: start-up
 * refuses a secret other than the one the storage was made with (platform/secret-check.ts).
 */
async function acceptSecret(config: Config, logger: Logger): Promise<void> {
  const runtime = await openRuntime(config, logger, { migrate: true, acceptNewSecret: true });
  await runtime.close();
}

/** `parley admin create --email … --password … [--tenant …]`: a platform admin in a new tenant. */
async function createAdmin(config: Config, logger: Logger, rest: readonly string[]): Promise<void> {
  const parsed = createAdminArgs.safeParse(parseCreateArgs(rest), { error: plainIssueMessage });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError(
      'validation_failed',
      `--${issue?.path.join('.') ?? 'arguments'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  const runtime = await openRuntime(config, logger, { migrate: true });
  try {
    const repository = createAuthRepository();
    const db = runtime.database.db;
    // No check of the address: it is unique within a tenant (ADR 3), and the admin gets a new tenant.
    const passwordHash = await createPasswordHasher(config.passwordHashCost).hash(parsed.data.password);
    const defaultAgent = createDefaultAgent({
      repository: createAgentsRepository(),
      logger,
      isEnabled: config.createsDefaultAgent,
      modelRef: serverDefaultModelRef(config),
    });
    const { user, announceAgent } = await db.transaction(async (tx) => {
      const tenant = await repository.insertTenant(tx, { id: newId(), name: parsed.data.tenant });
      const user = await repository.insertUser(tx, {
        id: newId(),
        tenantId: tenant.id,
        email: parsed.data.email,
        passwordHash,
        role: 'platform_admin',
      });
      return { user, announceAgent: await defaultAgent.addTo(tx, tenant, user.id) };
    });
    announceAgent?.();
    logger.info({ userId: user.id, tenantId: user.tenantId, email: user.email }, 'created platform admin');
  } finally {
    await runtime.close();
  }
}

/**
 * node's parser, whose refusals ("Unknown option '--x'") become a line with the usage, not a start-up
 * failure. An option given twice is refused too: which of two emails was meant cannot be guessed.
 */
function parseCreateArgs(args: readonly string[]): Record<'email' | 'password' | 'tenant', string | undefined> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        email: { type: 'string', multiple: true },
        password: { type: 'string', multiple: true },
        tenant: { type: 'string', multiple: true, default: ['Default'] },
      },
    }));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      // Node's message runs over lines (its hint to write --email=-x among them): kept whole, on one.
      const said = (error as Error).message.replace(/\s*\n\s*/g, ' ');
      throw new AppError('validation_failed', `${/[.?!]$/.test(said) ? said : `${said}.`} ${usage}`);
    }
    throw error;
  }
  const once = (name: 'email' | 'password' | 'tenant'): string | undefined => {
    const given = values[name];
    if (given && given.length > 1)
      throw new AppError('validation_failed', `--${name} is given ${given.length} times; give it once. ${usage}`);
    return given?.[0];
  };
  return { email: once('email'), password: once('password'), tenant: once('tenant') };
}
