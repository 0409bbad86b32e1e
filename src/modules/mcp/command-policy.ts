import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../platform/errors.js';
import {
  ExecutableProblem,
  inspectExecutable,
  type ExecutableInspection,
  type ExecutableKind,
} from './command-inspection.js';

/**
 * What a stdio MCP server may run. Commands are judged by what the file is (command-inspection.ts), not
 * by its name: shells, loaders, interpreters, scripts and programs that run commands from their
 * arguments are refused unless the platform admin marks the template allowInterpreter. Tenants never give
 * arguments: they fill a template's typed parameters (stdio-template.ts). Then, for a shell, loader or
 * interpreter, the first argument must still be a script file inside a directory the operator vetted
 * (`MCP_SCRIPT_DIRS`; never the data directory), with no interpreter option before it.
 */

/** Interpreter options that run code from the command line, named in refusals so the sentence is precise. */
const codeRunningOptions = [
  '-e', '--eval', '-p', '--print', '-r', '--require', '--import', '--loader', '--experimental-loader',
  '--inspect', '--inspect-brk', '--env-file', '-c', '-m', '-x',
]; // prettier-ignore

/** Checks a platform admin's executable: absolute, real, executable; code runners only when marked. */
export async function requireAllowableExecutable(
  executablePath: string,
  allowInterpreter: boolean,
): Promise<ExecutableInspection> {
  const inspection = await inspectExecutable(executablePath).catch((error: unknown) => {
    if (error instanceof ExecutableProblem) throw invalidPath(error.message);
    throw error;
  });
  if (inspection.runsCode && !allowInterpreter) {
    throw invalidPath(
      `'${executablePath}' is ${inspection.summary}; it is refused unless allowInterpreter is true, and then its first argument must be a script inside MCP_SCRIPT_DIRS`,
    );
  }
  return inspection;
}

const invalidPath = (message: string): AppError =>
  new AppError('validation_failed', `The executable path ${message}`, {
    fields: [{ field: 'executablePath', message }],
  });

/** Kinds that run the code of their first argument: that argument must be a vetted script. */
const scriptRunningKinds: readonly ExecutableKind[] = ['shell', 'interpreter', 'loader'];

/**
 * Checks a tenant's arguments for the command. For an interpreter the first argument must be a script file
 * inside one of `scriptDirs` and outside `dataDir` (a tenant's uploads live there); no interpreter option
 * may come before it.
 */
export async function requireSafeArguments(
  inspection: ExecutableInspection,
  args: readonly string[],
  places: { readonly dataDir: string; readonly scriptDirs: readonly string[] },
): Promise<void> {
  if (!scriptRunningKinds.includes(inspection.kind)) return;
  const interpreter = path.basename(inspection.executablePath);
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
 * the error a tenant admin sees. Proxies and configuration paths came with issue 33: `http_proxy` or
 * `ALL_PROXY` send a child's requests where the tenant says, `CURL_HOME` and `TZDIR` make a program read
 * files of the tenant's choosing.
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
  /PROXY$/, /^CURL_/, /^CURLOPT_/, /^WGETRC$/, /^NETRC$/, /^TZDIR$/, /^TERMINFO/, /^KUBECONFIG$/, /_CONFIG_FILE$/,
  /_CONFIG_DIR$/, /_HOME$/, /^SSH_/, /^GNUPGHOME$/, /^DOCKER_/, /_CA_BUNDLE$/, /^CA_CERT/, /^XAUTHORITY$/,
  /^DISPLAY$/, /^DBUS_/, /^CONFIG_SITE$/, /^INPUTRC$/, /^LESS/, /^MANPATH$/, /^PAGER$/, /^ZDOTDIR$/, /^NODE$/,
]; // prettier-ignore

export const environmentNamePattern = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** Refuses an environment that sets a denied variable, naming it (on create, on update and on every spawn). */
export function requireAllowedEnvironment(names: Iterable<string>): void {
  const denied = findDeniedEnvironmentName(names);
  if (!denied) return;
  const message = `may not set '${denied}': it changes how programs or their libraries load, or overrides what Parley sets`;
  throw new AppError('validation_failed', `env ${message}`, { fields: [{ field: 'env', message }] });
}

/** Refuses a variable the template does not let tenants set, naming it and the ones it does. */
export function requireListedEnvironment(names: readonly string[], listed: readonly string[]): void {
  const unlisted = names.find((name) => !listed.includes(name));
  if (unlisted === undefined) return;
  const allowed = listed.length ? listed.join(', ') : 'none';
  const message = `may not set '${unlisted}': its command template lets tenants set only ${allowed}; a platform administrator adds names to the template's envNames`;
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
