/**
 * The floor under embedded Parley's idle memory (issue 48: "embedded idle RSS ≤ bare PGlite + 50 MB"):
 * PGlite alone in a Node process, with Parley's start settings (16 MB shared buffers), the `vector`
 * extension and Parley's schema (every migration), having answered a few reads, then left idle. No
 * server, no pools, no jobs: what any program embedding this database pays. Plain JavaScript run by
 * plain `node`, as Parley runs from dist/.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
// From the build (the bench builds first): plain JavaScript, so no TypeScript loader's memory is counted.
import { embeddedStartParams } from '../../dist/platform/db/embedded-database.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

const dataDir = process.env.BARE_PGLITE_DIR;
if (!dataDir) throw new Error('BARE_PGLITE_DIR names an empty directory for the database');
const open = () => PGlite.create({ dataDir, extensions: { vector }, startParams: [...embeddedStartParams] });

if (process.env.BARE_PGLITE_PREPARE === '1') {
  // initdb and the migrations, in a process of their own: initdb's WebAssembly memory is never given back,
  // and Parley's own figure is read on a data directory that exists too (bench/chat/parley-instance.ts).
  const db = await open();
  const migrations = path.join(repoRoot, 'migrations');
  for (const file of readdirSync(migrations).filter((name) => name.endsWith('.sql')).sort()) {
    await db.exec(readFileSync(path.join(migrations, file), 'utf8'));
  }
  await db.close();
  process.exit(0);
}
if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
  execFileSync(process.execPath, [fileURLToPath(import.meta.url)], {
    env: { ...process.env, BARE_PGLITE_PREPARE: '1' },
    stdio: 'inherit',
  });
}
const db = await open();
for (const table of ['conversations', 'messages', 'users', 'agents']) await db.query(`select count(*) from ${table}`);
if (process.send) process.send({ type: 'ready', url: `pglite://${dataDir}` });
process.on('disconnect', () => void db.close().then(() => process.exit(0)));
process.on('SIGTERM', () => void db.close().then(() => process.exit(0)));
