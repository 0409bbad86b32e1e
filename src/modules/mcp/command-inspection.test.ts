import { chmodSync, copyFileSync, existsSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspectExecutable, kindByName } from './command-inspection.js';

describe('inspectExecutable judges a file by what it is, not its name', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'parley-inspect-'));

  it('knows a copy of dash under an innocent name for a shell', async () => {
    const copy = path.join(scratch, 'report-tool');
    copyFileSync('/usr/bin/dash', copy);
    chmodSync(copy, 0o755);
    const inspection = await inspectExecutable(copy);
    expect(inspection).toMatchObject({ kind: 'shell', sameAs: '/usr/bin/dash', runsCode: true });
    expect(inspection.summary).toBe('a copy of /usr/bin/dash, a shell: it runs any command it is given');
  });

  it('follows a symlink to the file it leads to', async () => {
    const link = path.join(scratch, 'innocent');
    symlinkSync('/usr/bin/dash', link);
    expect(await inspectExecutable(link)).toMatchObject({ kind: 'shell', resolvedPath: '/usr/bin/dash' });
  });

  it('reads a #! script for its interpreter, through env too', async () => {
    const script = path.join(scratch, 'my-mcp-server');
    writeFileSync(script, '#!/bin/sh\necho hi\n', { mode: 0o755 });
    expect(await inspectExecutable(script)).toMatchObject({
      kind: 'script',
      interpreter: { path: '/usr/bin/dash', kind: 'shell' },
      runsCode: true,
    });
    const viaEnv = path.join(scratch, 'node-tool');
    writeFileSync(viaEnv, '#!/usr/bin/env node\n', { mode: 0o755 });
    expect((await inspectExecutable(viaEnv)).interpreter).toMatchObject({ kind: 'interpreter' });
  });

  it('knows the dynamic loader, and programs with an escape to a shell', async () => {
    expect(await inspectExecutable('/lib64/ld-linux-x86-64.so.2')).toMatchObject({ kind: 'loader', runsCode: true });
    for (const file of ['/usr/bin/sqlite3', '/usr/bin/ed', '/usr/bin/run-parts']) {
      expect(await inspectExecutable(file), file).toMatchObject({ kind: 'runner', runsCode: true });
    }
  });

  // Debian installs programs under alternative and versioned names; vi, vim, ex and editor lead to vim.basic.
  it.runIf(existsSync('/usr/bin/vim.basic'))(
    'knows a program under its alternative name (vim.basic) for what it is, directly or through a link',
    async () => {
      expect(await inspectExecutable('/usr/bin/vim.basic')).toMatchObject({ kind: 'runner', runsCode: true });
      const link = path.join(scratch, 'notes-viewer');
      symlinkSync('/usr/bin/vim.basic', link);
      expect(await inspectExecutable(link)).toMatchObject({ kind: 'runner', resolvedPath: '/usr/bin/vim.basic' });
    },
  );

  it.runIf(existsSync('/usr/bin/python3.11'))('knows a versioned interpreter (python3.11)', async () => {
    expect(await inspectExecutable('/usr/bin/python3.11')).toMatchObject({ kind: 'interpreter', runsCode: true });
  });

  it('classes alternative flavours and versioned names by the program they are', () => {
    for (const file of ['/usr/bin/vim.basic', '/usr/bin/vim.tiny', '/usr/bin/vim.gtk3']) {
      expect(kindByName(file), file).toBe('runner');
    }
    for (const file of ['/usr/bin/node20', '/usr/bin/python3.11', '/usr/local/bin/nodejs22']) {
      expect(kindByName(file), file).toBe('interpreter');
    }
  });

  it('calls an ordinary program a program', async () => {
    expect(await inspectExecutable('/usr/bin/curl')).toMatchObject({ kind: 'binary', runsCode: false });
  });
});
