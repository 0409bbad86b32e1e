import { spawn } from 'node:child_process';
import { lstatSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import path from 'node:path';
import type { MountPlaces } from '../../platform/mount-policy.js';
import { createOutboundGuard, type OutboundGuard } from '../../platform/outbound/outbound-guard.js';
import type { ProviderHosts } from '../../platform/outbound/provider-hosts.js';
import { egressSocketName } from './egress-proxy.js';
import {
  egressDirectoryInSandbox,
  egressEnvironment,
  forwarderCommand,
  forwarderNodePath,
} from './sandbox-forwarder.js';

/**
 * How stdio MCP servers are confined (issues 33 and 44; docs/mcp-isolation.md). A child runs as
 * MCP_STDIO_USER (never as root: a root server without it refuses stdio servers), with a minimal
 * environment, inside bubblewrap: system directories read-only, a private /tmp, DATA_DIR not mounted,
 * a network namespace of its own, and `--die-with-parent` so a kill -9 of the server ends it too.
 * Where bubblewrap cannot run, stdio servers are refused unless the operator sets MCP_STDIO_SANDBOX=off.
 */
/** `auto` and `bubblewrap` both require bubblewrap (`auto` is kept as the default's name); `off` runs unconfined. */
export type StdioSandboxMode = 'auto' | 'bubblewrap' | 'off';

export interface StdioUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

export interface StdioIsolationSettings {
  readonly mode: StdioSandboxMode;
  /** MCP_STDIO_USER as configured (a user name or `uid:gid`); undefined when unset. */
  readonly user: string | undefined;
  readonly mountPlaces: MountPlaces;
  readonly scriptDirs: readonly string[];
  /** The server's PATH: where `bwrap` is looked for. */
  readonly searchPath: string;
  /** OUTBOUND_ALLOW: what a networked child may reach beside public addresses (egress-proxy.ts). */
  readonly outboundAllowList: readonly string[];
  /** The server-wide model providers' hosts, which a child never reaches: it makes no model gate's call. */
  readonly providerHosts?: ProviderHosts | undefined;
}

/** What this server gives its children, as the console shows it. */
export interface StdioIsolation {
  readonly sandbox: 'bubblewrap' | 'none';
  /** The user children run as; null for the server's own user. */
  readonly runAs: string | null;
  /** Sentences naming each protection this deployment lacks; empty when it has them all. */
  readonly missing: readonly string[];
  /** Why stdio servers cannot start at all here; null when they can. */
  readonly refusal: string | null;
}

export interface StdioEnvironment {
  readonly isolation: StdioIsolation;
  readonly bubblewrapPath: string | undefined;
  readonly user: StdioUser | undefined;
  readonly mountPlaces: MountPlaces;
  readonly scriptDirs: readonly string[];
  /** The outbound policy a networked child's connections meet in the egress proxy. */
  readonly egressGuard: Pick<OutboundGuard, 'checkUrl' | 'lookupFor'>;
}

/** `bwrap` on the server's PATH, as a shell would find it. */
function findBubblewrap(searchPath: string): string | undefined {
  return searchPath
    .split(':')
    .filter((directory) => path.isAbsolute(directory))
    .map((directory) => path.join(directory, 'bwrap'))
    .find((candidate) => statSync(candidate, { throwIfNoEntry: false })?.isFile());
}

/** `nobody`, or `65534:65534`: looked up in /etc/passwd, as getpwnam would. */
export function resolveStdioUser(value: string): StdioUser | undefined {
  const numeric = /^(\d{1,10}):(\d{1,10})$/.exec(value);
  if (numeric) return { name: value, uid: Number(numeric[1]), gid: Number(numeric[2]) };
  const passwd = (() => {
    try {
      return readFileSync('/etc/passwd', 'utf8');
    } catch {
      return '';
    }
  })();
  for (const line of passwd.split('\n')) {
    const [name, , uid, gid] = line.split(':');
    if (name === value && uid !== undefined && gid !== undefined) return { name, uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** Whether bwrap starts a sandboxed `true` as the child's user here (user namespaces may be disabled). */
function probeBubblewrap(bwrap: string, user: StdioUser | undefined): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = spawn(bwrap, [...systemMounts(), '--unshare-all', '--die-with-parent', '--', '/bin/true'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      ...(user && isRoot() ? { uid: user.uid, gid: user.gid } : {}),
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', (error) => resolve(error.message));
    child.on('close', (code) => resolve(code === 0 ? undefined : stderr.trim().slice(0, 300) || `exit ${code}`));
  });
}

/** Works out, once at start-up, what confinement children get here. */
export async function prepareStdioEnvironment(settings: StdioIsolationSettings): Promise<StdioEnvironment> {
  const missing: string[] = [];
  let refusal: string | null = null;
  const user = settings.user === undefined ? undefined : resolveStdioUser(settings.user);
  if (settings.user !== undefined && !user) {
    refusal = `MCP_STDIO_USER names '${settings.user}', which is not a user of this machine: set it to an unprivileged user such as nobody`;
  } else if (user && user.uid === 0) {
    refusal = 'MCP_STDIO_USER is root: set it to an unprivileged user such as nobody';
  } else if (user && !isRoot() && user.uid !== process.getuid?.()) {
    refusal = `MCP_STDIO_USER is '${settings.user}', but only a server running as root can start children as another user: unset it, or run the server as root`;
  } else if (!user && isRoot()) {
    refusal =
      'The server runs as root and MCP_STDIO_USER is not set, so stdio MCP servers are refused (they would run as root): set MCP_STDIO_USER to an unprivileged user such as nobody';
  }
  const runsAs = user && isRoot() ? user : undefined;

  // Fail closed (issue 44): where bubblewrap cannot run, children would see every file and port their
  // user can (the server's own user reads DATA_DIR/secret.key), so they start only when the operator
  // said MCP_STDIO_SANDBOX=off, accepting that.
  let bubblewrapPath: string | undefined;
  if (settings.mode !== 'off') {
    const found = findBubblewrap(settings.searchPath);
    const problem = found ? await probeBubblewrap(found, runsAs) : 'bwrap was not found on the PATH';
    if (!problem) bubblewrapPath = found;
    else {
      refusal ??= `stdio MCP servers are refused: bubblewrap cannot run here (${problem}), and without it a child could read every file its user can (as the server's own user, DATA_DIR and its secret too) and reach the host's network, loopback included. Install bubblewrap (apt-get install bubblewrap) and allow user namespaces; or, accepting that, set MCP_STDIO_SANDBOX=off`;
      missing.push(`bubblewrap cannot run here (${problem})`);
    }
  }
  if (!bubblewrapPath) {
    missing.push(
      'children see every file their user may read, reach the network (loopback included), and may outlive a kill -9 of the server: install bubblewrap (apt-get install bubblewrap) to confine them',
    );
    if (!runsAs) missing.push("children run as the server's own user, who can read the data directory");
  }
  return {
    isolation: {
      sandbox: bubblewrapPath ? 'bubblewrap' : 'none',
      runAs: runsAs?.name ?? null,
      missing,
      refusal,
    },
    bubblewrapPath,
    user: runsAs,
    mountPlaces: settings.mountPlaces,
    scriptDirs: settings.scriptDirs,
    egressGuard: createOutboundGuard({ allowList: settings.outboundAllowList, providerHosts: settings.providerHosts }),
  };
}

/** /usr read-only, the merged-/usr links (or directories) beside it, /proc, /dev and a private /tmp. */
function systemMounts(): string[] {
  const mounts = ['--ro-bind', '/usr', '/usr'];
  for (const top of ['/bin', '/sbin', '/lib', '/lib64', '/lib32', '/libx32']) {
    const info = lstatSync(top, { throwIfNoEntry: false });
    if (info?.isSymbolicLink()) mounts.push('--symlink', readlinkSync(top), top);
    else if (info?.isDirectory()) mounts.push('--ro-bind', top, top);
  }
  // Only what programs need from /etc: an operator's files there (an env file with the secret) stay out.
  const etc = ['ssl', 'ca-certificates', 'pki', 'alternatives', 'resolv.conf', 'hosts', 'nsswitch.conf', 'passwd',
    'group', 'localtime', 'ld.so.cache', 'ld.so.conf', 'ld.so.conf.d', 'mime.types', 'protocols', 'services']; // prettier-ignore
  for (const entry of etc) mounts.push('--ro-bind-try', `/etc/${entry}`, `/etc/${entry}`);
  mounts.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp');
  return mounts;
}

/** A host path to show the child read-only: `source` is where it really is, `target` where it was named. */
export interface ReadOnlyMount {
  readonly source: string;
  readonly target: string;
}

export interface StdioLaunch {
  readonly executablePath: string;
  readonly args: readonly string[];
  /**
   * In bubblewrap, a networked child's egress proxy directory (egress-proxy.ts), bound into its sandbox;
   * undefined for a child without network.
   */
  readonly egressDirectory: string | undefined;
  /** Already resolved and judged by platform/mount-policy.ts (the executable's file among them). */
  readonly readOnlyMounts: readonly ReadOnlyMount[];
  /** Without bubblewrap: the child's own directory (outside DATA_DIR), made by the caller. */
  readonly hostWorkingDir: string;
}

export interface SpawnPlan {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** Where the child's HOME is, as the child sees it. */
  readonly home: string;
  readonly uid?: number | undefined;
  readonly gid?: number | undefined;
  /** Variables the sandbox itself needs the child to have (the proxy of a networked one). */
  readonly env: Readonly<Record<string, string>>;
}

/**
 * bubblewrap binds the resolved path, at its own place and at the place it was named (so a program
 * configured by its symlinked path still finds it); never a symlink's target chosen later. /usr is
 * mounted whole already (and read-only, so nothing can be mounted inside it).
 */
function readOnlyBinds(mounts: readonly ReadOnlyMount[]): string[] {
  const pairs = new Set<string>();
  for (const { source, target } of mounts) {
    for (const destination of [source, target]) {
      if (destination !== '/usr' && !destination.startsWith('/usr/')) pairs.add(JSON.stringify([source, destination]));
    }
  }
  return [...pairs].flatMap((pair) => ['--ro-bind', ...(JSON.parse(pair) as [string, string])]);
}

/** The exact process to start: bwrap around the command where available, the command itself otherwise. */
export function planSpawn(environment: StdioEnvironment, launch: StdioLaunch): SpawnPlan {
  const identity = environment.user ? { uid: environment.user.uid, gid: environment.user.gid } : {};
  if (!environment.bubblewrapPath) {
    // MCP_STDIO_SANDBOX=off: the operator accepted a child with the host's network, whatever allowNetwork says.
    return {
      command: launch.executablePath,
      args: launch.args,
      cwd: launch.hostWorkingDir,
      home: launch.hostWorkingDir,
      env: {},
      ...identity,
    };
  }
  // Never the host's network (--share-net gave loopback, Redis, PostgreSQL and cloud metadata): a network
  // namespace of its own, left only through the forwarder and Parley's egress proxy (ADR 0019).
  const egress = launch.egressDirectory;
  const node = forwarderNodePath();
  const egressMounts: ReadOnlyMount[] = egress
    ? [
        { source: egress, target: egressDirectoryInSandbox },
        { source: node, target: node },
      ]
    : [];
  const command = egress
    ? forwarderCommand(egressSocketName, launch.executablePath, launch.args)
    : [launch.executablePath, ...launch.args];
  const args = [
    ...systemMounts(),
    ...readOnlyBinds([...launch.readOnlyMounts, ...egressMounts]),
    '--unshare-all',
    '--die-with-parent',
    '--new-session',
    '--chdir',
    '/tmp',
    '--',
    ...command,
  ];
  return {
    command: environment.bubblewrapPath,
    args,
    cwd: '/',
    home: '/tmp',
    env: egress ? egressEnvironment : {},
    ...identity,
  };
}

/** A directory the host path of a child is allowed to be in: never inside DATA_DIR. */
export function isInsideDataDir(entry: string, dataDir: string): boolean {
  const data = path.resolve(dataDir);
  return entry === data || entry.startsWith(`${data}/`);
}
