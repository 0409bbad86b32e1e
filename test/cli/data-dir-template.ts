import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dataDirTemplateVariable } from '../embedded-template.js';

/**
 * A new DATA_DIR that already holds a migrated database and its secret, copied from the one the global
 * set-up made (test/embedded-template.ts), for `parley` runs whose test is not about a first start: a
 * fresh directory's initdb and migrations cost each such run several seconds, tens on a loaded machine.
 * Tests of a first start (initdb, migrations, the secret's creation) use an empty directory instead.
 */
export function migratedDataDir(prefix: string): string {
  const template = process.env[dataDirTemplateVariable];
  if (!template) throw new Error(`${dataDirTemplateVariable} is not set: run the tests through vitest.config.ts`);
  const dataDir = path.join(mkdtempSync(path.join(tmpdir(), prefix)), 'data');
  cpSync(template, dataDir, { recursive: true });
  return dataDir;
}
