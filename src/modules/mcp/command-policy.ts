import { constants as fsConstants } from 'node:fs';
import { access, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../platform/errors.js';

/**
 * What a stdio MCP server may run. The peers' worst holes were here (`npx -c`, `NODE_OPTIONS`), so the
 * rules are few, explicit and tested (command-policy.test.ts):
 * - shells, `env`-style launchers and package runners are never allowed: they run code from their arguments;
 * - interpreters are allowed only when the platform admin says so, and then a tenant's arguments must start
 *   with a script file inside a directory the operator vetted (`MCP_SCRIPT_DIRS`; never the data directory,
 *   where uploads live) and carry no interpreter options at all: a deny-list of options (`-e`, `--require`,
 *   `--import`, …) is what was bypassed. Any script on the server was not a boundary either: npm's own
 *   `npm-cli.js exec -c …` and Python's `timeit.py -s …` run code taken from their arguments;
 * - anything else is a program the platform admin vetted; its arguments are passed as an array, no shell.
 */
const neverAllowed = new Set([
  'sh', 'bash', 'dash', 'zsh', 'ksh', 'mksh', 'fish', 'csh', 'tcsh', 'ash', 'busybox', 'toybox',
  'env', 'sudo', 'su', 'doas', 'xargs', 'nohup', 'nice', 'timeout', 'setsid', 'stdbuf', 'script', 'watch',
  'npx', 'npm', 'pnpm', 'pnpx', 'yarn', 'bunx', 'uvx', 'pipx', 'corepack', 'cmd', 'cmd.exe', 'powershell', 'pwsh',
  // Programs that run a command or code named in their arguments (`find -exec`, `awk 'BEGIN{system()}'`,
  // `git -c core.sshCommand=…`, `tar --to-command`, `ssh -o ProxyCommand=…`), or run another program.
  'find', 'awk', 'gawk', 'mawk', 'nawk', 'sed', 'git', 'ssh', 'tar', 'rsync', 'make', 'expect', 'parallel',
  'vi', 'vim', 'nvim', 'emacs', 'less', 'more', 'man', 'gdb', 'strace', 'ltrace', 'valgrind', 'time', 'chroot',
  'unshare', 'nsenter', 'flock', 'taskset', 'ionice', 'chrt', 'prlimit', 'systemd-run', 'runuser', 'pkexec',
  'screen', 'tmux', 'xvfb-run', 'unbuffer', 'sg', 'newgrp',
]); // prettier-ignore

/**
 * Interpreters and the launchers that run code through one (`tsx -e`, `ts-node -e`), with any version
 * suffix a distribution gives them (`node-20`, `nodejs22`, `python3.12`, `python3.7m`, `python3.12-dbg`,
 * `ruby3.1`, `java21`).
 */
const interpreterNames = [
  'node', 'nodejs', 'python', 'pypy', 'deno', 'bun', 'uv', 'ruby', 'irb', 'perl', 'php', 'php-cgi', 'lua', 'luajit',
  'java', 'jshell', 'groovy', 'scala', 'kotlin', 'julia', 'Rscript', 'R', 'tclsh', 'wish', 'osascript', 'dotnet',
  'tsx', 'ts-node', 'ts-node-esm', 'esno', 'vite-node', 'babel-node', 'coffee',
]; // prettier-ignore
const interpreterPattern = new RegExp(
  `^(${interpreterNames.map((name) => name.replace(/[.-]/g, '\\$&')).join('|')})([-_.]?\\d[\\d.]*(m|dm|-dbg)?)?$`,
);

/** Interpreter options that run code from the command line, named in refusals so the sentence is precise. */
const codeRunningOptions = [
  '-e', '--eval', '-p', '--print', '-r', '--require', '--import', '--loader', '--experimental-loader',
  '--inspect', '--inspect-brk', '--env-file', '-c', '-m', '-x',
]; // prettier-ignore

export type CommandKind = 'program' | 'interpreter';

export function commandKindOf(executablePath: string): CommandKind | 'forbidden' {
  const name = path.basename(executablePath);
  // `bash5`, `zsh-5.9`, `npm-10`: a version suffix does not make a shell safe.
  if (neverAllowed.has(name) || neverAllowed.has(name.replace(/[\d.-]+$/, ''))) return 'forbidden';
  return interpreterPattern.test(name) ? 'interpreter' : 'program';
}

/**
 * The stricter of the path's own kind and that of the file it resolves to: a symlink named `my-tool`
 * that now points at node is node, whatever its name said when it was allowed.
 */
async function resolvedKindOf(executablePath: string): Promise<CommandKind | 'forbidden'> {
  const resolved = await realpath(executablePath).catch(() => executablePath);
  const kinds = [commandKindOf(executablePath), commandKindOf(resolved)];
  if (kinds.includes('forbidden')) return 'forbidden';
  return kinds.includes('interpreter') ? 'interpreter' : 'program';
}

/** Checks a platform admin's entry: absolute, real, executable, not a shell or runner, interpreters only when allowed. */
export async function requireAllowableExecutable(executablePath: string, allowInterpreter: boolean): Promise<void> {
  if (!path.isAbsolute(executablePath) || path.normalize(executablePath) !== executablePath) {
    throw invalidPath(`must be an absolute, normalised path (no '..'), such as /usr/local/bin/my-mcp-server`);
  }
  const resolved = await realpath(executablePath).catch(() => undefined);
  const info = resolved ? await stat(resolved).catch(() => undefined) : undefined;
  if (!resolved || !info) throw invalidPath(`'${executablePath}' does not exist on this server`);
  if (!info.isFile()) throw invalidPath(`'${executablePath}' is not a regular file`);
  const isExecutable = await access(resolved, fsConstants.X_OK).then(
    () => true,
    () => false,
  );
  if (!isExecutable) throw invalidPath(`'${executablePath}' is not executable by the server's user`);
  // A symlink named `my-tool` pointing at bash is bash.
  for (const candidate of new Set([executablePath, resolved])) {
    const kind = commandKindOf(candidate);
    if (kind === 'forbidden') {
      throw invalidPath(
        `'${path.basename(candidate)}' is a shell, launcher or package runner that runs code from its arguments; allow the MCP server's own executable instead`,
      );
    }
    if (kind === 'interpreter' && !allowInterpreter) {
      throw invalidPath(
        `'${path.basename(candidate)}' is an interpreter; set allowInterpreter to true to allow it, and tenants will then only be able to pass a script file followed by that script's arguments`,
      );
    }
  }
}

const invalidPath = (message: string): AppError =>
  new AppError('validation_failed', `The executable path ${message}`, {
    fields: [{ field: 'executablePath', message }],
  });

/**
 * Checks a tenant's arguments for the command. For an interpreter the first argument must be a script file
 * inside one of `scriptDirs` and outside `dataDir` (a tenant's uploads live there); no interpreter option
 * may come before it.
 */
export async function requireSafeArguments(
  executablePath: string,
  args: readonly string[],
  places: { readonly dataDir: string; readonly scriptDirs: readonly string[] },
): Promise<void> {
  if ((await resolvedKindOf(executablePath)) !== 'interpreter') return;
  const interpreter = path.basename(executablePath);
  const [script] = args;
  if (script === undefined) throw invalidArgs(`${interpreter} needs a script file as its first argument`);
  if (script.startsWith('-')) {
    const option = script.split('=')[0] ?? script;
    const reason = codeRunningOptions.some((known) => option === known || option.startsWith('--inspect'))
      ? `runs code given on the command line`
      : `is an interpreter option, and interpreter options are not accepted`;
    throw invalidArgs(`'${option}' ${reason}; the first argument must be the script file to run`);
  }
  if (!path.isAbsolute(script) || path.normalize(script) !== script) {
    throw invalidArgs(`the script '${script}' must be an absolute, normalised path`);
  }
  const resolved = await realpath(script).catch(() => undefined);
  const info = resolved ? await stat(resolved).catch(() => undefined) : undefined;
  if (!resolved || !info?.isFile()) throw invalidArgs(`the script '${script}' is not a file on this server`);
  if (await isInside(resolved, places.dataDir)) {
    throw invalidArgs(`the script '${script}' is inside the server's data directory, where uploaded files live`);
  }
  const vetted = await Promise.all(places.scriptDirs.map((directory) => isInside(resolved, directory)));
  if (!vetted.includes(true)) {
    const listed = places.scriptDirs.length ? places.scriptDirs.join(', ') : 'none is listed';
    throw invalidArgs(
      `the script '${script}' is not inside a directory of vetted scripts (MCP_SCRIPT_DIRS: ${listed}); the server's operator lists the directories whose scripts ${interpreter} may run`,
    );
  }
}

async function isInside(resolvedFile: string, directory: string): Promise<boolean> {
  const root = await realpath(directory).catch(() => path.resolve(directory));
  return resolvedFile === root || resolvedFile.startsWith(`${root}${path.sep}`);
}

const invalidArgs = (message: string): AppError =>
  new AppError('validation_failed', `The arguments are refused: ${message}`, { fields: [{ field: 'args', message }] });

/**
 * Variables that change how a program, its loader or a library it loads starts (a configuration file,
 * a plugin or module directory, code to run first, a command to run), or override what we set ourselves.
 * OpenSSL's were missing until an audit: `OPENSSL_CONF` names a file that loads a shared object into
 * node at start-up, and node's report of a file it could not read as one put that file's lines into
 * the error a tenant admin sees.
 */
const deniedEnvironmentPatterns: readonly RegExp[] = [
  /^NODE_/, /^NPM_CONFIG_/i, /^LD_/, /^DYLD_/, /^PYTHON/, /^PERL5/, /^PERLLIB$/, /^PERL_/, /^RUBY(OPT|LIB)$/,
  /^GEM_/, /^BUNDLE_/, /^BASH_ENV$/, /^ENV$/, /^BASH_FUNC_/, /^SHELLOPTS$/, /^PS4$/, /^IFS$/, /^PROMPT_COMMAND$/,
  /^JAVA_TOOL_OPTIONS$/, /^_JAVA_OPTIONS$/, /^JDK_JAVA_OPTIONS$/, /^CLASSPATH$/, /^GCONV_PATH$/, /^GLIBC_TUNABLES$/,
  /^MALLOC_/, /^LOCPATH$/, /^NLSPATH$/, /^HOSTALIASES$/, /^RESOLV_/, /^TMPDIR$/, /^DENO_/, /^BUN_/, /^UV_/,
  /^OPENSSL_/, /^SSL_/, /^SSLKEYLOGFILE$/, /^GNUTLS_/, /^NSS_/, /^KRB5/, /^SASL_/, /^GIT_/, /^XDG_/, /^ELECTRON_/,
  /^GTK_/, /^QT_/, /^GIO_/, /^GST_/, /^LUA_/, /^PHP/, /^TCL/, /^R_/, /^JULIA_/, /^DOTNET_/, /^CORECLR_/,
  /^COMPLUS_/, /^LOCALDOMAIN$/, /^RES_OPTIONS$/, /ASKPASS$/, /^EDITOR$/, /^VISUAL$/, /^PAGER$/, /^BROWSER$/,
  /^PATH$/, /^HOME$/, /^LANG$/, /^LC_ALL$/, /^SHELL$/, /^USER$/, /^LOGNAME$/, /^TERM$/,
]; // prettier-ignore

export const environmentNamePattern = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** Refuses an environment that sets a denied variable, naming it (on create, on update and on every spawn). */
export function requireAllowedEnvironment(names: Iterable<string>): void {
  const denied = findDeniedEnvironmentName(names);
  if (!denied) return;
  const message = `may not set '${denied}': it changes how programs or their libraries load, or overrides what Parley sets`;
  throw new AppError('validation_failed', `env ${message}`, { fields: [{ field: 'env', message }] });
}

/** The first refused variable name, or undefined. Names are compared case-insensitively. */
export function findDeniedEnvironmentName(names: Iterable<string>): string | undefined {
  for (const name of names) {
    if (deniedEnvironmentPatterns.some((pattern) => pattern.test(name.toUpperCase()))) return name;
  }
  return undefined;
}

/**
 * The environment a stdio server starts with: a minimal base of our own plus the tenant's (already checked)
 * variables. The SDK also copies HOME, LOGNAME, PATH, SHELL, TERM and USER from our process unless given;
 * every one of them is set here so nothing of ours leaks through.
 */
export function buildChildEnvironment(
  userEnvironment: Readonly<Record<string, string>>,
  homeDir: string,
): Record<string, string> {
  return {
    ...userEnvironment,
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: homeDir,
    LANG: 'C.UTF-8',
    SHELL: '/bin/false',
    TERM: 'dumb',
    USER: 'parley-mcp',
    LOGNAME: 'parley-mcp',
  };
}
