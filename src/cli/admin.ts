import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { Config } from '../config.js';
import { emailSchema, passwordSchema } from '../modules/auth/auth.schemas.js';
import { hashPassword } from '../modules/auth/passwords.js';
import { createAuthRepository } from '../modules/auth/auth.repository.js';
import { AppError } from '../platform/errors.js';
import { newId } from '../platform/ids.js';
import type { Logger } from '../platform/logger.js';
import { openRuntime } from '../platform/runtime.js';
import { plainIssueMessage } from '../platform/validation-messages.js';

const usage = 'Usage: parley admin create --email <email> --password <password> [--tenant <name>]';

const createAdminArgs = z.object({ email: emailSchema, password: passwordSchema, tenant: z.string().min(1).max(100) });

/** `parley admin create --email … --password … [--tenant …]`: a platform admin in a new tenant. */
export async function admin(config: Config, logger: Logger, argv: readonly string[]): Promise<void> {
  const [subcommand, ...rest] = argv;
  if (subcommand !== 'create') throw new AppError('validation_failed', usage);
  const { values } = parseCreateArgs(rest);
  const parsed = createAdminArgs.safeParse(values, { error: plainIssueMessage });
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
    if (await repository.findUserByEmail(db, parsed.data.email)) {
      throw new AppError('conflict', `An account with the email '${parsed.data.email}' already exists`);
    }
    const passwordHash = await hashPassword(parsed.data.password);
    const user = await db.transaction(async (tx) => {
      const tenant = await repository.insertTenant(tx, { id: newId(), name: parsed.data.tenant });
      return repository.insertUser(tx, {
        id: newId(),
        tenantId: tenant.id,
        email: parsed.data.email,
        passwordHash,
        role: 'platform_admin',
      });
    });
    logger.info({ userId: user.id, tenantId: user.tenantId, email: user.email }, 'created platform admin');
  } finally {
    await runtime.close();
  }
}

/** node's parser, whose refusals ("Unknown option '--x'") become a line with the usage, not a start-up failure. */
function parseCreateArgs(args: readonly string[]) {
  try {
    return parseArgs({
      args: [...args],
      options: {
        email: { type: 'string' },
        password: { type: 'string' },
        tenant: { type: 'string', default: 'Default' },
      },
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      throw new AppError('validation_failed', `${(error as Error).message.split('.')[0]}. ${usage}`);
    }
    throw error;
  }
}
