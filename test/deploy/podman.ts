import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const podmanPath = '/usr/bin/podman';
const podmanComposePath = '/usr/bin/podman-compose';

/** Podman is installed by scripts/install-podman.sh (CI does); without it the image tests skip. */
export const hasPodman = existsSync(podmanPath);
/** Debian's podman-compose 1.0.3, from the same script; the compose test skips without it. */
export const hasPodmanCompose = existsSync(podmanComposePath);
const hostCaBundle = '/etc/ssl/certs/ca-certificates.crt';

export const buildBase = 'localhost/parley-build-base:trixie-slim';
export const runtimeBase = 'localhost/parley-run-base:trixie-slim';

/** Runs podman, answering its standard output; a failure throws with podman's own words. */
export async function podman(args: readonly string[], timeoutMs = 60_000): Promise<string> {
  try {
    const { stdout } = await run(podmanPath, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
    return stdout.trim();
  } catch (error) {
    const failed = error as { stderr?: string; message: string };
    throw new Error(`podman ${args.slice(0, 2).join(' ')} failed: ${(failed.stderr ?? failed.message).slice(-2000)}`, {
      cause: error,
    });
  }
}

/**
 * Runs podman-compose with `env` added to its environment (the compose file's `${…}` settings); a failure
 * throws with the end of what it printed (it prints each podman command it runs, and podman's errors).
 */
export async function podmanCompose(
  args: readonly string[],
  env: Record<string, string> = {},
  timeoutMs = 180_000,
): Promise<string> {
  try {
    const { stdout } = await run(podmanComposePath, args, {
      env: { ...process.env, ...env },
      timeout: timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    const said = `${failed.stdout ?? ''}\n${failed.stderr ?? failed.message}`;
    throw new Error(`podman-compose ${args.join(' ')} failed: ${said.slice(-3000)}`, { cause: error });
  }
}

/**
 * Runs `work` while no other test process runs it: the three image files start about together on
 * different workers, and two builds of the same fresh source side by side each did all the work (a
 * minute or more of both cores); one after the other, the second finds every layer in the cache.
 */
async function oneAtATime<T>(name: string, work: () => Promise<T>, staleMs = 20 * 60_000): Promise<T> {
  const lock = path.join(tmpdir(), `parley-test-${name}.lock`);
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Left by a process that died holding it.
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > staleMs) rmSync(lock, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** The Debian bases, made once per machine (scripts/make-base-images.sh), then Parley's image on them. */
export async function buildParleyImage(tag: string): Promise<void> {
  await oneAtATime('image-build', () => buildImageNow(tag));
}

async function buildImageNow(tag: string): Promise<void> {
  await run('bash', ['scripts/make-base-images.sh'], { timeout: 900_000 });
  // Earlier builds' layers: a day's are kept as the cache (the dependency layer above all).
  await podman(['image', 'prune', '--force', '--filter=until=24h']);
  await podman(
    [
      'build',
      '--network=host',
      '--file=Containerfile',
      // The OCI format has no HEALTHCHECK; Docker's keeps it.
      '--format=docker',
      `--build-arg=BASE=${buildBase}`,
      `--build-arg=RUNTIME_BASE=${runtimeBase}`,
      // This machine reaches npm through a TLS-inspecting proxy whose CA only the host trusts.
      ...(existsSync(hostCaBundle) ? [`--secret=id=ca,src=${hostCaBundle}`] : []),
      `--tag=${tag}`,
      '.',
    ],
    1_200_000,
  );
}

/** A port nothing listens on now (the containers share the host's network here: shared/NOTES.md). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Waits until `url` answers 200, or throws with the container's log once `timeoutMs` has passed. */
export async function waitForOk(url: string, container: string, timeoutMs = 60_000): Promise<number> {
  const started = Date.now();
  for (;;) {
    const ok = await fetch(url).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return Date.now() - started;
    if (Date.now() - started > timeoutMs) {
      const logs = await podman(['logs', '--tail=30', container]).catch(() => '');
      throw new Error(`${url} did not answer within ${timeoutMs} ms; the container said:\n${logs}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
