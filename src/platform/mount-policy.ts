import { readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';

/**
 * Which host paths may be mounted read-only into a stdio MCP server's sandbox (MCP_SCRIPT_DIRS, a
 * template's readOnlyPaths, an executable outside /usr). Issue 44: a symlink to DATA_DIR passed a check
 * by name, and a template running `wc --files0-from=<link>/secret.key` printed the secret in its error.
 * So every path is judged by where it really is (realpath), and bubblewrap binds that resolved path.
 *
 * Refused: a path that is, contains or lies inside DATA_DIR, the secret's directory, or a system tree
 * holding other processes' state or our configuration (/proc, /sys, /dev, /run, /var/run, /root, /etc);
 * and a path that is, holds or lies inside the directory of a bound Unix socket (PostgreSQL's
 * /var/run/postgresql, Redis's, MySQL's…, found in /proc/net/unix, DATABASE_URL's host= and well-known
 * places): such a directory is another service's runtime directory, where more sockets, pid and lock
 * files appear. A socket hard-linked into some other directory is not found: /proc/net/unix names the
 * path it was bound at only.
 *
 * Issue 61: on a server run as its own user (the children then run as that user too), a template
 * mounting the application's directory read its `.env`, and one mounting a `*_FILE` setting's directory
 * read a provider key. So the directory of every `*_FILE` setting is refused like DATA_DIR, the `.env`
 * the server loads is refused itself, and the working directory (where that `.env` and the default
 * DATA_DIR are) may not be mounted whole nor by anything holding it. Its subdirectories may: that is where
 * an operator keeps the scripts and packages a template runs (node_modules, an mcp-scripts folder).
 */
const systemTrees = ['/proc', '/sys', '/dev', '/run', '/var/run', '/root', '/etc'];
const wellKnownSocketDirs = [
  '/var/run/postgresql',
  '/run/postgresql',
  '/var/run/redis',
  '/run/redis',
  '/tmp/.X11-unix',
];

export interface MountPlaces {
  readonly dataDir: string;
  /** Directories of Unix sockets the server itself uses (a DATABASE_URL with host=/path). */
  readonly socketPaths?: readonly string[] | undefined;
  /** The server's working directory: never mounted, nor anything that holds it. */
  readonly workingDirectory?: string | undefined;
  /** The `.env` file the server reads its settings from (whether or not it exists now). */
  readonly dotEnvFile?: string | undefined;
  /** The files `*_FILE` settings name: each one's directory is refused whole. */
  readonly secretFiles?: readonly string[] | undefined;
}

const resolvedOrSelf = (entry: string): string => {
  try {
    return realpathSync(entry);
  } catch {
    return path.resolve(entry);
  }
};

const isWithin = (inner: string, outer: string): boolean =>
  inner === outer || outer === '/' || inner.startsWith(`${outer}/`);

/** Bound Unix socket paths this machine has now (abstract ones, `@…`, are not files and are skipped). */
function listBoundSockets(): string[] {
  try {
    return readFileSync('/proc/net/unix', 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/)[7])
      .filter((socket): socket is string => socket !== undefined && socket.startsWith('/'));
  } catch {
    return [];
  }
}

/** The trees nothing mounted may overlap, each with why, resolved as well as literal. */
function forbiddenTrees(places: MountPlaces): { tree: string; why: string }[] {
  const secretFile = path.join(places.dataDir, 'secret.key');
  const named = [
    { tree: places.dataDir, why: "the server's data directory (DATA_DIR)" },
    { tree: path.dirname(resolvedOrSelf(secretFile)), why: "the directory of the server's secret" },
    ...systemTrees.map((tree) => ({ tree, why: `${tree} (the system's and other processes' state)` })),
    ...(places.dotEnvFile ? [{ tree: places.dotEnvFile, why: "the server's settings file (.env)" }] : []),
    ...(places.secretFiles ?? []).map((file) => ({
      tree: path.dirname(resolvedOrSelf(file)),
      why: `the directory of a secret the server reads (${file})`,
    })),
  ];
  return named.flatMap(({ tree, why }) => {
    const resolved = resolvedOrSelf(tree);
    return resolved === tree
      ? [{ tree, why }]
      : [
          { tree, why },
          { tree: resolved, why },
        ];
  });
}

/**
 * Why `entry` may not be mounted into a sandbox, in a sentence naming it, or undefined when it may.
 * A path that does not exist is a problem too: it cannot be judged, and could be made a symlink later.
 */
export function findMountProblem(entry: string, places: MountPlaces): string | undefined {
  if (!path.isAbsolute(entry) || path.normalize(entry) !== entry) {
    return `'${entry}' must be an absolute, normalised path`;
  }
  let resolved: string;
  try {
    resolved = realpathSync(entry);
  } catch {
    return `'${entry}' does not exist on this server`;
  }
  const shown = resolved === entry ? `'${entry}'` : `'${entry}' (really ${resolved})`;
  const workingDirectory = places.workingDirectory && resolvedOrSelf(places.workingDirectory);
  if (workingDirectory && isWithin(workingDirectory, resolved)) {
    return `${shown} is or holds the server's working directory (${workingDirectory}): name a folder inside it instead, since the server's settings file and data there are what a stdio server's child must never see`;
  }
  for (const { tree, why } of forbiddenTrees(places)) {
    if (isWithin(resolved, tree) || isWithin(tree, resolved)) {
      return `${shown} is, holds or lies inside ${why}, which a stdio server's child must never see`;
    }
  }
  const socketDirs = [
    ...listBoundSockets().map((socket) => ({ directory: path.dirname(socket), socket })),
    ...[...(places.socketPaths ?? []), ...wellKnownSocketDirs].map((directory) => ({ directory, socket: undefined })),
  ];
  for (const { directory, socket } of socketDirs) {
    for (const tree of new Set([directory, resolvedOrSelf(directory)])) {
      if (isWithin(resolved, tree) || isWithin(tree, resolved)) {
        const whose = socket
          ? `where the Unix socket ${socket} of another service is`
          : 'where another service keeps its Unix socket';
        return `${shown} is, holds or lies inside ${tree}, ${whose}, which a stdio server's child must never reach`;
      }
    }
  }
  return undefined;
}

/** The resolved path to bind for `entry`, or throws its problem (checked again at every start). */
export function resolveMountablePath(entry: string, places: MountPlaces): string {
  const problem = findMountProblem(entry, places);
  if (problem) throw new MountRefusedError(problem);
  return realpathSync(entry);
}

export class MountRefusedError extends Error {
  override readonly name = 'MountRefusedError';
}
