import { createHash } from 'node:crypto';
import { constants as fsConstants, createReadStream } from 'node:fs';
import { access, open, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * What an executable is, judged by the file rather than its name (issue 33: a copy of dash named
 * `my-tool`, the dynamic loader and a `#!/bin/sh` script were all accepted as "programs"):
 * - symlinks are resolved, and the resolved file's name counts as well as the given one;
 * - a `#!` script is read for its interpreter (through `/usr/bin/env` too), and is judged by it;
 * - an ELF file is compared by content (sha256, after a size match) with the shells, interpreters,
 *   loaders and command runners installed on this machine, so a renamed copy is what it is a copy of;
 * - a file named like the dynamic loader (`ld-linux-x86-64.so.2`, `ld.so`) is the loader.
 * A rebuilt or foreign shell escapes all of this, which is why the sandbox (stdio-sandbox.ts), not this
 * judgement, is the boundary: this only stops the platform admin from allowing one by mistake.
 */
export type ExecutableKind = 'binary' | 'script' | 'shell' | 'interpreter' | 'loader' | 'runner';

export interface ExecutableInspection {
  readonly executablePath: string;
  readonly resolvedPath: string;
  readonly kind: ExecutableKind;
  /** A script's interpreter, itself inspected. */
  readonly interpreter?: { readonly path: string; readonly kind: ExecutableKind } | undefined;
  /** The installed program this file is a byte-for-byte copy of, when it is one under another name. */
  readonly sameAs?: string | undefined;
  /** Whether it runs code or commands given to it: only a template marked allowInterpreter may run it. */
  readonly runsCode: boolean;
  /** One sentence saying what it is, for the console and for refusals. */
  readonly summary: string;
}

const shellNames = [
  'sh', 'bash', 'dash', 'zsh', 'ksh', 'ksh93', 'mksh', 'fish', 'csh', 'tcsh', 'ash', 'rbash', 'yash', 'posh',
  'busybox', 'toybox', 'cmd', 'cmd.exe', 'powershell', 'pwsh', 'elvish', 'nu', 'xonsh',
]; // prettier-ignore

/**
 * Interpreters and the launchers that run code through one (`tsx -e`, `ts-node -e`), with any version
 * suffix a distribution gives them (`node-20`, `nodejs22`, `python3.12`, `python3.7m`, `ruby3.1`).
 */
const interpreterNames = [
  'node', 'nodejs', 'python', 'pypy', 'deno', 'bun', 'uv', 'ruby', 'irb', 'perl', 'php', 'php-cgi', 'lua', 'luajit',
  'java', 'jshell', 'groovy', 'scala', 'kotlin', 'julia', 'Rscript', 'R', 'tclsh', 'wish', 'osascript', 'dotnet',
  'tsx', 'ts-node', 'ts-node-esm', 'esno', 'vite-node', 'babel-node', 'coffee', 'awk', 'gawk', 'mawk', 'nawk',
  'sed', 'gdb', 'expect', 'guile', 'racket', 'sbcl', 'ghci', 'runghc', 'erl', 'escript', 'elixir', 'swipl', 'bc', 'dc',
]; // prettier-ignore

/**
 * Programs that run a command, a program or code named in their arguments or input: launchers (`env`,
 * `sudo`, `timeout`), package runners (`npx`, `uvx`), and tools with an escape hatch (`sqlite3 -cmd .shell`,
 * `ed !cmd`, `find -exec`, `git -c core.sshCommand=…`, `tar --to-command`, `run-parts` of a directory).
 */
const runnerNames = [
  'env', 'sudo', 'su', 'doas', 'xargs', 'nohup', 'nice', 'timeout', 'setsid', 'stdbuf', 'script', 'watch',
  'npx', 'npm', 'pnpm', 'pnpx', 'yarn', 'bunx', 'uvx', 'pipx', 'corepack', 'pip', 'pip3', 'gem', 'cargo', 'go',
  'find', 'git', 'ssh', 'scp', 'sftp', 'tar', 'rsync', 'make', 'parallel', 'vi', 'vim', 'nvim', 'emacs', 'ed', 'red',
  'ex', 'less', 'more', 'man', 'strace', 'ltrace', 'valgrind', 'time', 'chroot', 'unshare', 'nsenter', 'flock',
  'taskset', 'ionice', 'chrt', 'prlimit', 'systemd-run', 'runuser', 'pkexec', 'screen', 'tmux', 'xvfb-run',
  'unbuffer', 'sg', 'newgrp', 'sqlite3', 'sqlite', 'run-parts', 'setpriv', 'capsh', 'bwrap', 'firejail', 'zip',
  'crontab', 'at', 'batch', 'mail', 'openssl', 'socat', 'nc', 'ncat', 'netcat', 'docker', 'podman', 'kubectl',
  'fakeroot', 'vimdiff', 'rview', 'rvim', 'sensible-editor', 'sensible-pager',
]; // prettier-ignore

/**
 * A known name with a version (`python3.11`, `node20`, `ruby3.1`, `python3.7m`) or a Debian alternative's
 * flavour (`vim.basic`, `vim.tiny`, `vim.gtk3`) after it.
 */
const withVersion = (names: readonly string[]) =>
  new RegExp(
    `^(${names.map((name) => name.replace(/[.-]/g, '\\$&')).join('|')})([-_.]?\\d[\\d.]*(m|dm|-dbg)?)?(\\.[a-z][a-z0-9]*)?$`,
  );
const shellPattern = withVersion(shellNames);
const interpreterPattern = withVersion(interpreterNames);
const runnerPattern = withVersion(runnerNames);
const loaderPattern = /^ld(-linux[\w.-]*|-musl[\w.-]*|)\.so(\.\d+)*$|^ld-[\d.]+\.so$/;

/** The kind a file's name says, before its content is read. */
export function kindByName(file: string): ExecutableKind {
  const name = path.basename(file);
  if (shellPattern.test(name)) return 'shell';
  if (loaderPattern.test(name)) return 'loader';
  if (interpreterPattern.test(name)) return 'interpreter';
  if (runnerPattern.test(name)) return 'runner';
  return 'binary';
}

/** Where the programs we compare by content live; each is looked up by every known name. */
const systemDirs = ['/usr/local/bin', '/usr/bin', '/bin', '/usr/local/sbin', '/usr/sbin', '/sbin'];
const loaderDirs = ['/lib64', '/lib', '/usr/lib64', '/usr/lib', '/lib/x86_64-linux-gnu', '/lib/aarch64-linux-gnu'];
const loaderFiles = ['ld-linux-x86-64.so.2', 'ld-linux-aarch64.so.1', 'ld-linux.so.2', 'ld-linux-armhf.so.3'];

interface KnownProgram {
  readonly path: string;
  readonly kind: ExecutableKind;
  readonly size: number;
}

let knownPrograms: Promise<KnownProgram[]> | undefined;

/** The shells, interpreters, loaders and runners installed here, by resolved path; built once per process. */
async function listKnownPrograms(): Promise<KnownProgram[]> {
  const shells = await readFile('/etc/shells', 'utf8').then(
    (text) => text.split('\n').filter((line) => line.startsWith('/')),
    () => [],
  );
  const candidates = [
    ...shells.map((file) => ({ file, kind: 'shell' as const })),
    ...loaderDirs.flatMap((dir) =>
      loaderFiles.map((name) => ({ file: path.join(dir, name), kind: 'loader' as const })),
    ),
    ...systemDirs.flatMap((dir) =>
      [...shellNames, ...interpreterNames, ...runnerNames, 'python3', 'perl5', 'node'].map((name) => ({
        file: path.join(dir, name),
        kind: kindByName(name),
      })),
    ),
  ];
  const found = new Map<string, KnownProgram>();
  await Promise.all(
    candidates.map(async ({ file, kind }) => {
      const resolved = await realpath(file).catch(() => undefined);
      const info = resolved ? await stat(resolved).catch(() => undefined) : undefined;
      if (!resolved || !info?.isFile() || found.has(resolved)) return;
      found.set(resolved, { path: resolved, kind, size: info.size });
    }),
  );
  return [...found.values()];
}

const hashes = new Map<string, Promise<string>>();

function sha256Of(file: string, size: number, modifiedMs: number): Promise<string> {
  const key = `${file}:${size}:${modifiedMs}`;
  let hash = hashes.get(key);
  if (!hash) {
    hash = new Promise<string>((resolve, reject) => {
      const digest = createHash('sha256');
      createReadStream(file)
        .on('data', (chunk) => digest.update(chunk))
        .on('end', () => resolve(digest.digest('hex')))
        .on('error', reject);
    });
    hashes.set(key, hash);
  }
  return hash;
}

/**
 * The installed shell, interpreter, loader or runner this file is, or is a copy of, if any. The file
 * itself first: `/usr/bin/vim.basic` is what `vi` resolves to, so it is vi under another name (issue 44).
 */
async function findSameContent(resolved: string): Promise<KnownProgram | undefined> {
  knownPrograms ??= listKnownPrograms();
  const itself = (await knownPrograms).find((known) => known.path === resolved);
  if (itself) return itself;
  const info = await stat(resolved);
  const sameSize = (await knownPrograms).filter((known) => known.size === info.size && known.path !== resolved);
  if (sameSize.length === 0) return undefined;
  const own = await sha256Of(resolved, info.size, info.mtimeMs);
  for (const known of sameSize) {
    const knownInfo = await stat(known.path).catch(() => undefined);
    if (!knownInfo) continue;
    if ((await sha256Of(known.path, knownInfo.size, knownInfo.mtimeMs)) === own) return known;
  }
  return undefined;
}

/** The interpreter named on a `#!` line, through `env` when the line uses it; undefined for no `#!`. */
async function readShebang(resolved: string): Promise<string | undefined> {
  const handle = await open(resolved, 'r');
  try {
    const buffer = Buffer.alloc(512);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const head = buffer.subarray(0, bytesRead).toString('latin1');
    if (!head.startsWith('#!')) return undefined;
    const [interpreter = '', ...rest] = head.slice(2).split('\n')[0]!.trim().split(/\s+/);
    if (path.basename(interpreter) !== 'env') return interpreter;
    const program = rest.find((word) => !word.startsWith('-'));
    if (!program) return interpreter;
    for (const dir of ['/usr/local/bin', '/usr/bin', '/bin']) {
      const candidate = path.join(dir, program);
      if (
        await stat(candidate).then(
          (found) => found.isFile(),
          () => false,
        )
      )
        return candidate;
    }
    return path.join('/usr/bin', program);
  } finally {
    await handle.close();
  }
}

const strictness: readonly ExecutableKind[] = ['binary', 'script', 'runner', 'interpreter', 'loader', 'shell'];
const stricter = (a: ExecutableKind, b: ExecutableKind) => (strictness.indexOf(a) >= strictness.indexOf(b) ? a : b);

const described: Record<ExecutableKind, string> = {
  binary: 'a program',
  script: 'a script',
  shell: 'a shell: it runs any command it is given',
  interpreter: 'an interpreter: it runs any code it is given',
  loader: 'the dynamic loader: it runs any program it is given',
  runner: 'a program that runs commands or code named in its arguments or input',
};

export class ExecutableProblem extends Error {}

/**
 * Inspects an absolute path: the file must exist, be a regular file and be executable. Throws
 * ExecutableProblem with a sentence otherwise.
 */
export async function inspectExecutable(executablePath: string, depth = 0): Promise<ExecutableInspection> {
  if (!path.isAbsolute(executablePath) || path.normalize(executablePath) !== executablePath) {
    throw new ExecutableProblem(`must be an absolute, normalised path (no '..'), such as /usr/local/bin/my-mcp-server`);
  }
  const resolvedPath = await realpath(executablePath).catch(() => undefined);
  const info = resolvedPath ? await stat(resolvedPath).catch(() => undefined) : undefined;
  if (!resolvedPath || !info) throw new ExecutableProblem(`'${executablePath}' does not exist on this server`);
  if (!info.isFile()) throw new ExecutableProblem(`'${executablePath}' is not a regular file`);
  const isExecutable = await access(resolvedPath, fsConstants.X_OK).then(
    () => true,
    () => false,
  );
  if (!isExecutable) throw new ExecutableProblem(`'${executablePath}' is not executable`);

  const byName = stricter(kindByName(executablePath), kindByName(resolvedPath));
  const shebang = await readShebang(resolvedPath);
  if (shebang !== undefined) {
    const interpreter =
      depth < 2
        ? await inspectExecutable(shebang, depth + 1).catch(() => undefined)
        : { kind: 'interpreter' as const, resolvedPath: shebang };
    const interpreterKind = interpreter?.kind ?? 'interpreter';
    const kind = byName === 'binary' ? 'script' : byName;
    return {
      executablePath,
      resolvedPath,
      kind,
      interpreter: { path: interpreter?.resolvedPath ?? shebang, kind: interpreterKind },
      runsCode: true,
      summary: `${kind === 'script' ? 'a script' : `${described[kind]}, a script`} run by ${interpreter?.resolvedPath ?? shebang} (${described[interpreterKind].split(':')[0]}), which its arguments reach`,
    };
  }
  const copyOf = await findSameContent(resolvedPath);
  const kind = copyOf ? stricter(byName, copyOf.kind) : byName;
  const sameAs = copyOf && path.basename(copyOf.path) !== path.basename(resolvedPath) ? copyOf.path : undefined;
  return {
    executablePath,
    resolvedPath,
    kind,
    sameAs,
    runsCode: kind !== 'binary',
    summary: sameAs ? `a copy of ${sameAs}, ${described[kind]}` : described[kind],
  };
}
