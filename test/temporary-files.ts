import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Vitest global set-up, first of all: one temporary directory for the whole run, made the test
 * processes' TMPDIR (they are forked after this, and inherit it), and removed at the end. The suite makes
 * data directories, uploads and servers' files there by the thousand, ~1.5 GB a run, which the files that
 * make them did not all remove: three runs left 4.5 GB in /tmp on a machine whose disk has been seen
 * with 287 MB free. Open to every user, as /tmp is: MCP servers run as `nobody` keep their files in it.
 */
export default function oneTemporaryDirectoryPerRun(): () => void {
  const directory = mkdtempSync(path.join(tmpdir(), 'parley-test-run-'));
  chmodSync(directory, 0o1777);
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = directory;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(directory, { recursive: true, force: true });
  };
}
