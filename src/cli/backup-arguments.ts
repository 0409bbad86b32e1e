import { AppError } from '../platform/errors.js';

/** The one file `parley backup` and `parley restore` take; anything else is refused with the usage. */
export function backupFileArgument(command: 'backup' | 'restore', args: readonly string[]): string {
  const usage = `parley ${command} <file>`;
  const [file] = args;
  if (file === undefined || file === '') {
    const what = command === 'backup' ? 'the file to write the backup to' : 'the backup file to restore';
    throw new AppError('validation_failed', `parley ${command} needs ${what}: ${usage}`);
  }
  if (args.length > 1 || file.startsWith('-')) {
    throw new AppError(
      'validation_failed',
      `parley ${command} takes one file and no options (got '${args.join(' ')}'): ${usage}`,
    );
  }
  return file;
}

/** A path as one shell word, for the commands printed on PostgreSQL. */
export function shellWord(text: string): string {
  return /^[\w./@%+=:,-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}
