import { realpathSync } from 'node:fs';

/**
 * The forwarder that runs first inside a networked stdio child's sandbox (ADR 0019). The sandbox has a
 * network namespace of its own, with only its own loopback; the forwarder listens on 127.0.0.1:3128
 * there, hands each connection to Parley's egress proxy through the Unix socket bind-mounted at
 * /run/parley-egress, starts the MCP server with stdio inherited, and ends with it (its exit code too).
 * It is node (the server's own binary) with this source, so no other program needs installing; it runs
 * as the child's user, with the child's environment, inside the same sandbox.
 */
export const egressPortInSandbox = 3128;
export const egressDirectoryInSandbox = '/run/parley-egress';
export const egressProxyUrl = `http://127.0.0.1:${egressPortInSandbox}`;

const forwarderSource = `
const net = require('node:net');
const { spawn } = require('node:child_process');
const [port, socketPath, command, ...args] = process.argv.slice(1);
const say = (text) => process.stderr.write('parley network forwarder: ' + text + '\\n');
const server = net.createServer((inside) => {
  const outside = net.connect(socketPath);
  inside.on('error', () => outside.destroy());
  outside.on('error', () => inside.destroy());
  inside.pipe(outside).pipe(inside);
});
server.on('error', (error) => { say(error.message); process.exit(70); });
server.listen(Number(port), '127.0.0.1', () => {
  const child = spawn(command, args, { stdio: 'inherit' });
  child.on('error', (error) => { say(error.message); process.exit(127); });
  child.on('exit', (code, signal) => process.exit(code === null ? 128 : code));
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => child.kill(signal));
});
`;

/** The node binary the forwarder runs on (bound into the sandbox when it lives outside /usr). */
export const forwarderNodePath = (): string => realpathSync(process.execPath);

/** The command line inside the sandbox: the forwarder, then the MCP server's own. */
export function forwarderCommand(socketName: string, executablePath: string, args: readonly string[]): string[] {
  const socketInSandbox = `${egressDirectoryInSandbox}/${socketName}`;
  return [
    forwarderNodePath(),
    '-e',
    forwarderSource,
    '--',
    String(egressPortInSandbox),
    socketInSandbox,
    executablePath,
    ...args,
  ];
}

/** What tells the child's HTTP clients to use the forwarder; nothing else leads out of its namespace. */
export const egressEnvironment: Readonly<Record<string, string>> = Object.freeze({
  HTTP_PROXY: egressProxyUrl,
  HTTPS_PROXY: egressProxyUrl,
  ALL_PROXY: egressProxyUrl,
  http_proxy: egressProxyUrl,
  https_proxy: egressProxyUrl,
  all_proxy: egressProxyUrl,
});
