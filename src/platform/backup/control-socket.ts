import { once } from 'node:events';
import { chmod, rm } from 'node:fs/promises';
import { createConnection, createServer, type Socket } from 'node:net';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { z } from 'zod';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { backupManifestSchema } from './backup-manifest.js';
import { encodeFrame, FrameReader } from './control-frames.js';
import type { EmbeddedBackup } from './embedded-backup.js';

/**
 * The server's control socket (ADR 30): a Unix socket in DATA_DIR, owner-only, through which a `parley`
 * command of the same user asks the process that holds the data directory for what only it can do, a
 * backup. No network port: who may connect is decided by the file system, as for PostgreSQL's own socket.
 */
export const controlSocketName = 'control.sock';
/** sun_path holds 108 bytes on Linux (104 on macOS), its last one a NUL. */
const longestSocketPathBytes = 103;
/** A request is one short JSON line, sent at once. */
const longestRequestBytes = 1024;
const requestTimeoutMs = 10_000;

const requestSchema = z.object({ command: z.literal('backup') });
/** The `done` frame: the backup's manifest, and how long the database took to answer its snapshot. */
const doneSchema = z.object({ manifest: backupManifestSchema, snapshotMs: z.number().nonnegative() });
export type BackupMade = z.infer<typeof doneSchema>;

export function controlSocketPath(dataDir: string): string {
  return path.join(dataDir, controlSocketName);
}

export interface ControlSocketOptions {
  readonly dataDir: string;
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  readonly makeBackup: () => Promise<EmbeddedBackup>;
}

export interface ControlSocket {
  /** Stops taking requests; a backup being sent goes on until the process ends. */
  close(): void;
}

/** Opens the socket; `undefined` (and a warning) where DATA_DIR's path is too long for one. */
export async function openControlSocket(options: ControlSocketOptions): Promise<ControlSocket | undefined> {
  const socketPath = controlSocketPath(options.dataDir);
  if (Buffer.byteLength(socketPath) > longestSocketPathBytes) {
    options.logger.warn({ socketPath }, tooLongPath(socketPath));
    return undefined;
  }
  // This process holds the data directory: a socket file there is one a killed server left.
  await rm(socketPath, { force: true });
  let isBackingUp = false;
  const server = createServer((connection) => {
    void answer(connection).catch((error: unknown) => options.logger.warn({ err: error }, 'a control request failed'));
  });
  async function answer(connection: Socket): Promise<void> {
    connection.on('error', () => undefined);
    const request = await readRequest(connection);
    if (!request)
      return void connection.end(
        encodeFrame('error', 'The server did not understand the request; use the parley command of the same version'),
      );
    if (isBackingUp)
      return void connection.end(
        encodeFrame('error', 'This server is making another backup right now; run parley backup again when it is done'),
      );
    isBackingUp = true;
    try {
      await sendBackup(connection, options);
    } finally {
      isBackingUp = false;
    }
  }
  server.listen(socketPath);
  await once(server, 'listening');
  await chmod(socketPath, 0o600);
  server.unref();
  return { close: () => void server.close() };
}

async function sendBackup(connection: Socket, options: ControlSocketOptions): Promise<void> {
  const startedAt = performance.now();
  let backup: EmbeddedBackup | undefined;
  try {
    backup = await options.makeBackup();
    connection.once('close', () => backup?.archive.destroy());
    for await (const chunk of backup.archive as AsyncIterable<Buffer>) {
      if (connection.destroyed) return;
      if (!connection.write(encodeFrame('data', chunk))) await drainedOrClosed(connection);
    }
    const made: BackupMade = { manifest: backup.manifest, snapshotMs: backup.snapshotMs };
    connection.end(encodeFrame('done', JSON.stringify(made)));
    const { database, files } = backup.manifest;
    options.logger.info(
      {
        snapshotMs: backup.snapshotMs,
        databaseBytes: database.bytes,
        files: files.count,
        fileBytes: files.bytes,
        ms: Math.round(performance.now() - startedAt),
      },
      'made a backup for parley backup',
    );
  } catch (error) {
    backup?.archive.destroy();
    if (connection.destroyed) return;
    if (error instanceof AppError && error.code !== 'internal') {
      connection.end(encodeFrame('error', error.message));
      return;
    }
    options.logger.error({ err: error }, 'making a backup failed');
    connection.end(encodeFrame('error', `The server failed to make the backup: ${(error as Error).message}`));
  }
}

async function drainedOrClosed(connection: Socket): Promise<void> {
  await Promise.race([once(connection, 'drain'), once(connection, 'close')]);
}

/**
 * The request line, or `undefined` for anything else. Read by listener, not by iterating the socket:
 * leaving such a loop would destroy the connection the answer is sent on.
 */
function readRequest(connection: Socket): Promise<z.infer<typeof requestSchema> | undefined> {
  return new Promise((resolve) => {
    let received = '';
    const finish = (line: string | undefined) => {
      clearTimeout(timer);
      connection.off('data', onData).off('end', onEnd);
      const parsed = line === undefined ? undefined : requestSchema.safeParse(parseJson(line));
      resolve(parsed?.success ? parsed.data : undefined);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.toString('utf8');
      const end = received.indexOf('\n');
      if (end !== -1) finish(received.slice(0, end));
      else if (received.length > longestRequestBytes) finish(undefined);
    };
    const onEnd = () => finish(undefined);
    const timer = setTimeout(onEnd, requestTimeoutMs);
    connection.on('data', onData).once('end', onEnd);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function tooLongPath(socketPath: string): string {
  return `the control socket ${socketPath} is longer than a Unix socket path may be (${longestSocketPathBytes} bytes): parley backup cannot reach this server while it runs; give DATA_DIR a shorter path`;
}

/**
 * Asks the server holding `dataDir` for a backup and writes it to `output`. `no-server` when none listens
 * there (no socket, or one a stopped server left): the caller may then open the data directory itself.
 */
export async function requestBackup(dataDir: string, output: Writable): Promise<BackupMade | 'no-server'> {
  const socketPath = controlSocketPath(dataDir);
  if (Buffer.byteLength(socketPath) > longestSocketPathBytes)
    throw new AppError('validation_failed', tooLongPath(socketPath));
  const connection = createConnection(socketPath);
  try {
    await once(connection, 'connect');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ECONNREFUSED') return 'no-server';
    throw new AppError(
      'forbidden',
      `Cannot reach the server through ${socketPath} (${code ?? (error as Error).message}): run parley backup as the user the server runs as`,
    );
  }
  try {
    connection.write(`${JSON.stringify({ command: 'backup' })}\n`);
    return await receiveBackup(connection, output);
  } finally {
    connection.destroy();
  }
}

async function receiveBackup(connection: Socket, output: Writable): Promise<BackupMade> {
  const frames = new FrameReader();
  try {
    for await (const chunk of connection as AsyncIterable<Buffer>) {
      for (const frame of frames.push(chunk)) {
        if (frame.kind === 'error') throw new AppError('conflict', frame.payload.toString('utf8'));
        if (frame.kind === 'done') return doneSchema.parse(JSON.parse(frame.payload.toString('utf8')));
        if (!output.write(frame.payload)) await once(output, 'drain');
      }
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError(
      'conflict',
      `The backup could not be received or written: ${(error as Error).message}; nothing was kept, run parley backup again`,
    );
  }
  throw new AppError(
    'conflict',
    'The server stopped sending the backup before it was complete (was it stopped?); nothing was kept, run parley backup again',
  );
}
