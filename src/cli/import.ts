import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { buildApp, type CommandServices } from '../app.js';
import type { Config } from '../config.js';
import type { ImportFile } from '../modules/knowledge/index.js';
import { AppError } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import { openRuntime } from '../platform/runtime.js';
import { countUnindexed, findImportTarget } from './import-target.js';
import { createProgressLine } from './progress-line.js';

const usage = 'Usage: parley import <folder|zip> --source <name> [--tenant <name>] [--no-wait]';

/**
 * `parley import`: the files of a folder (its sub-folders too) or a zip, added to a knowledge source
 * through the same import service as POST /v1/knowledge-sources/:id/imports, then indexed by this process
 * (unless --no-wait: then by the server, when it runs jobs). On embedded storage the server must be
 * stopped first: the data directory is one process's.
 */
export async function importCommand(config: Config, logger: Logger, argv: readonly string[]): Promise<void> {
  const args = parseImportArgs(argv);
  const files = await listFiles(args.from);
  const runtime = await openRuntime(config, logger, { migrate: true });
  let services: CommandServices | undefined;
  const app = await buildApp({
    config,
    logger,
    ...runtime,
    runsJobs: args.wait,
    onServices: (built) => (services = built),
  });
  try {
    await app.ready();
    const target = await findImportTarget(runtime.database, { source: args.source, tenant: args.tenant });
    const progress = createProgressLine(process.stderr, files.length);
    const startedAt = Date.now();
    const imported = await services!.knowledgeImports.run(target.actor, target.sourceId, readFiles(args.from, files), {
      onProgress: (view, filePath) => progress.update(view.fileCount, filePath),
    });
    progress.done(
      `${imported.fileCount} files: ${imported.addedCount} added, ${imported.duplicateCount} already there, ${imported.failedCount} failed (import ${imported.id}, ${seconds(startedAt)})`,
    );
    if (imported.failedCount > 0) {
      process.stderr.write(
        `see why with GET /v1/knowledge-sources/${target.sourceId}/imports/${imported.id}/files?outcome=failed\n`,
      );
    }
    if (args.wait) await waitForIndexing(runtime.database, target, startedAt);
  } finally {
    await app.close();
    await runtime.close();
  }
}

async function waitForIndexing(
  database: Parameters<typeof countUnindexed>[0],
  target: Parameters<typeof countUnindexed>[1],
  startedAt: number,
): Promise<void> {
  const first = await countUnindexed(database, target);
  if (first === 0) return;
  const progress = createProgressLine(process.stderr, first, 'indexed');
  for (let left = first; left > 0; left = await countUnindexed(database, target)) {
    progress.update(first - left, `${left} to go`);
    await delay(500);
  }
  progress.done(`indexed; ${seconds(startedAt)} in all`);
}

const seconds = (startedAt: number) => `${((Date.now() - startedAt) / 1000).toFixed(1)} s`;

interface ImportArgs {
  readonly from: string;
  readonly source: string;
  readonly tenant: string | undefined;
  readonly wait: boolean;
}

function parseImportArgs(argv: readonly string[]): ImportArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: { source: { type: 'string' }, tenant: { type: 'string' }, 'no-wait': { type: 'boolean' } },
    });
  } catch (error) {
    throw new AppError('validation_failed', `${(error as Error).message.replace(/\s*\n\s*/g, ' ')} ${usage}`);
  }
  const [from, ...extra] = parsed.positionals;
  if (!from || extra.length > 0) throw new AppError('validation_failed', `Name one folder or zip to import. ${usage}`);
  if (!parsed.values.source)
    throw new AppError('validation_failed', `Name the knowledge source with --source. ${usage}`);
  return {
    from: path.resolve(from),
    source: parsed.values.source,
    tenant: parsed.values.tenant,
    wait: !parsed.values['no-wait'],
  };
}

/** The files under a folder, sorted, as paths relative to it (hidden files and folders left out); or the one file. */
async function listFiles(from: string): Promise<string[]> {
  const found = await stat(from).catch(() => {
    throw new AppError('not_found', `'${from}' does not exist`);
  });
  if (!found.isDirectory()) return [path.basename(from)];
  const entries = await readdir(from, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(from, path.join(entry.parentPath, entry.name)))
    .filter((relative) => !relative.split(path.sep).some((part) => part.startsWith('.')))
    .sort();
}

async function* readFiles(from: string, files: readonly string[]): AsyncGenerator<ImportFile> {
  const base = (await stat(from)).isDirectory() ? from : path.dirname(from);
  for (const relative of files) {
    yield { path: relative.split(path.sep).join('/'), content: createReadStream(path.join(base, relative)) };
  }
}
