import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { testStorage } from '../harness/test-database.js';
import { spawnServe, waitForReady } from './server-process.js';

// A first embedded start runs initdb and every migration: seconds in which the server does not listen yet.
describe.skipIf(testStorage === 'postgres')('a stop asked for during start-up', () => {
  it('says so, exits 0, and leaves a data directory the next start opens', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-start-stop-'));
    const first = await spawnServe({ dataDir, env: { LOG_LEVEL: 'info' } });
    let output = '';
    first.child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      // Storage is open and the migrations are about to run: the server is not listening yet.
      for (let waited = 0; !output.includes('opened embedded storage'); waited += 50) {
        if (waited > 60_000 || first.child.exitCode !== null) throw new Error(`no start-up seen:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const exited = once(first.child, 'exit');
      first.child.kill('SIGTERM');
      const [exitCode, signal] = (await exited) as [number | null, NodeJS.Signals | null];
      expect({ exitCode, signal }).toEqual({ exitCode: 0, signal: null });
      expect(output).toContain('stopping during start-up, before the server listened');
      expect(output).toContain('"signal":"SIGTERM"');
    } finally {
      if (first.child.exitCode === null) first.child.kill('SIGKILL');
    }

    const second = await spawnServe({ dataDir });
    try {
      await waitForReady(second.baseUrl, second.child);
      const ready = await fetch(`${second.baseUrl}/ready`);
      expect(await ready.json()).toMatchObject({ status: 'ready', database: 'embedded' });
    } finally {
      second.child.kill('SIGKILL');
    }
  }, 120_000);
});
