import { ConfigError, loadConfig } from './config.js';
import { loadDotEnv } from './dot-env-file.js';
import { AppError } from './platform/errors.js';
import { createLogger } from './platform/logger.js';
import { loadSecretFiles } from './secret-files.js';
import { isTracingConfigured } from './platform/tracing/tracing-config.js';

const usage = `Usage: parley <command>
  serve                                         start the HTTP server (default)
  migrate                                       apply database migrations and exit
  admin create --email E --password P [--tenant NAME]   create a platform admin
  admin accept-secret                           make the configured secret the storage's own
  import <folder|zip> --source NAME [--tenant NAME] [--no-wait]   add a folder's or zip's files to a knowledge source
  analytics rebuild [--tenant ID]               recount the analytics rollups from the stored rows
  backup <file>                                 back up embedded storage into one file, while the server runs or not
  restore <file>                                restore such a backup into an empty DATA_DIR`;

/**
 * Process entry: configuration, the chosen command, and one clear line on failure. Each command is
 * loaded when chosen, so help and a wrong setting answer without loading the server (a second or
 * more of imports).
 */
async function main(argv: readonly string[]): Promise<void> {
  // Before the environment is read: help must show even where a setting is wrong, and anywhere it is asked.
  if (argv[0] === 'help' || argv.some((arg) => arg === '--help' || arg === '-h')) {
    console.log(usage);
    return;
  }
  loadDotEnv();
  loadSecretFiles();
  const config = loadConfig();
  // With OTEL_* set, each line written inside a span names its trace and span (docs/operations.md).
  const tracingWanted = (argv[0] ?? 'serve') === 'serve' && isTracingConfigured();
  const logger = createLogger({
    level: config.logLevel,
    ...(tracingWanted && { mixin: (await import('./platform/tracing/spans.js')).traceFieldsForLog }),
  });
  const [command = 'serve', ...rest] = argv;
  switch (command) {
    case 'serve':
      requireNoOptions(command, rest);
      return (await import('./cli/serve.js')).serve(
        config,
        logger,
        // The SDK is imported only here: unconfigured, none of it loads.
        tracingWanted ? (await import('./platform/tracing/start-tracing.js')).startTracing(logger) : undefined,
      );
    case 'migrate':
      requireNoOptions(command, rest);
      return (await import('./cli/migrate.js')).migrate(config, logger);
    case 'admin':
      return (await import('./cli/admin.js')).admin(config, logger, rest);
    case 'import':
      return (await import('./cli/import.js')).importCommand(config, logger, rest);
    case 'analytics':
      return (await import('./cli/analytics.js')).analyticsCommand(config, logger, rest);
    case 'backup':
      return (await import('./cli/backup.js')).backupCommand(config, logger, rest);
    case 'restore':
      return (await import('./cli/restore.js')).restoreCommand(config, rest);
    default:
      throw new AppError('validation_failed', `Unknown command '${command}'.\n${usage}`);
  }
}

/** `parley serve --port 4000` used to start on PORT's port as if nothing was said: settings are the environment's. */
function requireNoOptions(command: string, options: readonly string[]): void {
  if (options.length === 0) return;
  throw new AppError(
    'validation_failed',
    `'parley ${command}' takes no options (got '${options[0]}'): its settings come from the environment, e.g. PORT=4000 parley ${command}; docs/configuration.md lists them`,
  );
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof AppError) {
    console.error(`parley: ${error.message}`);
  } else {
    console.error('parley: failed to start:', error instanceof Error ? error.message : error);
  }
  process.exit(1);
});
