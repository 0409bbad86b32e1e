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
 * Variables tenants may not set, judged by what a name does rather than by a list of known ones (issue 44
 * found ERL_AFLAGS, BASHOPTS, PG*, PIP_INDEX_URL and credential-file pointers missing from such a list).
 * Each category is a set of name shapes; a legitimate name caught by one (say a `*_CONFIG` holding JSON)
 * is the price of catching the unknown ones. History: OpenSSL's were missing until an audit
 * (`OPENSSL_CONF` loads a shared object into node); proxies and configuration paths came with issue 33.
 */
const deniedEnvironmentCategories: Readonly<Record<string, readonly RegExp[]>> = {
  // What Parley sets itself.
  ours: [/^PATH$/, /^HOME$/, /^LANG$/, /^LC_/, /^SHELL$/, /^USER$/, /^LOGNAME$/, /^TERM$/, /^TMPDIR$/],
  // How a runtime, its loader or a library starts: code to load or run first, search paths, options.
  loaders: [
    /^NODE/, /^LD_/, /^DYLD_/, /^PYTHON/, /^PERL/, /^RUBY/, /^GEM_/, /^BUNDLE_/, /^JAVA/, /^_JAVA/, /^JDK_/,
    /^DENO_/, /^BUN_/, /^UV_/, /^ERL_/, /^ELIXIR_/, /^MIX_/, /^LUA_/, /^PHP/, /^TCL/, /^R_/, /^JULIA_/,
    /^DOTNET_/, /^CORECLR_/, /^COMPLUS_/, /^ELECTRON_/, /^GTK_/, /^QT_/, /^GIO_/, /^GST_/, /^GCONV_PATH$/,
    /^GLIBC_/, /^MALLOC_/, /^LOCPATH$/, /^NLSPATH$/, /^GO[A-Z]+$/, /PATH$/, /LIBS?$/, /PRELOAD/, /PLUGIN/,
    /MODULES?$/, /STARTUP/, /HOOKS?$/, /OPTIONS$/, /OPTS?$/, /FLAGS$/, /ARGS$/, /^CLASSPATH$/,
  ],
  // What a shell does before or around a command.
  shells: [/^BASH/, /^ENV$/, /^SHELLOPTS$/, /^PS\d$/, /^IFS$/, /^PROMPT_COMMAND$/, /^ZDOTDIR$/, /^INPUTRC$/, /^CDPATH$/],
  // Where programs connect or fetch code from: proxies, package indexes, registries, mirrors, resolvers.
  sources: [
    /PROXY$/, /INDEX/, /REGISTR/, /MIRROR/, /^PIP_/, /^POETRY_/, /^CONDA/, /^CARGO_/, /^RUSTUP_/, /^COMPOSER_/,
    /^MAVEN_/, /^GRADLE_/, /^NUGET_/, /^NPM_/, /^YARN_/, /^PNPM_/, /^HOSTALIASES$/, /^RES_OPTIONS$/,
    /^LOCALDOMAIN$/, /^RESOLV_/, /^DOCKER_/, /^DBUS_/, /^DISPLAY$/, /^XAUTHORITY$/, /METADATA/, /SOCK(ET)?$/,
  ],
  // Files a program reads as configuration or credentials: pointers to files and directories, rc files,
  // certificates and keyrings, cloud credential chains.
  files: [
    /FILE$/, /_FILES$/, /CONFIG/, /CREDENTIAL/, /RC$/, /_DIRS?$/, /DIR$/, /_HOME$/, /^CURL/, /^WGET/, /^NETRC$/,
    /^TERMINFO/, /^TZDIR$/, /CA_BUNDLE$/, /^CA_CERT/, /CERT/, /KEYRING/, /^GNUPG/, /^SSH_/, /^SSL_/, /^OPENSSL_/,
    /^SSLKEYLOGFILE$/, /^GNUTLS_/, /^NSS_/, /^KRB5/, /^SASL_/, /^GIT_/, /^XDG_/, /PROFILE$/, /^CONFIG_SITE$/,
  ],
  // Database clients' own settings: libpq reads PGHOST, PGPASSFILE, PGSERVICEFILE, PGSSLROOTCERT, PGOPTIONS.
  databases: [/^PG/, /^LIBPQ/, /^MYSQL/, /^SQLITE/, /^REDISCLI/],
  // Programs a tool may hand control to.
  programs: [/ASKPASS$/, /^EDITOR$/, /^VISUAL$/, /^PAGER$/, /^BROWSER$/, /^LESS/, /^MANPATH$/, /^MANPAGER$/],
  // What a build tool (make, cargo, pip building a wheel, node-gyp) runs as its compiler, linker or
  // wrapper around them, and what a library loads by a variable's word: .NET's profiler DLL, libmagic's
  // database (issue 61).
  toolchains: [
    /^CC$/, /^CXX$/, /^CPP$/, /^LD$/, /^AR$/, /^AS$/, /^NM$/, /^RANLIB$/, /^STRIP$/, /^OBJCOPY$/, /^OBJDUMP$/,
    /^FC$/, /^F77$/, /^MAKE$/, /^RUSTC/, /^RUSTDOC/, /WRAPPER$/, /LAUNCHER$/, /^CCACHE_/, /^DISTCC_/, /^SCCACHE_/,
    /^CMAKE_/, /^MESON_/, /^COR_/, /^MAGIC$/, /COMPILER/,
  ],
}; // prettier-ignore

const deniedEnvironmentPatterns = Object.values(deniedEnvironmentCategories).flat();

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
