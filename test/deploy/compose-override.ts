import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';

export interface ComposeOverrideOptions {
  /** Parley's image, built from the Containerfile by the deploy tests. */
  readonly parleyImage: string;
  /** A Caddy image that starts as docker.io/library/caddy:2 does (scripts/make-base-images.sh makes one). */
  readonly caddyImage: string;
  readonly databaseUrl: string;
  readonly redisUrl: string;
  /** The server secret's file, readable by the image's user (uid 10001). */
  readonly secretKeyFile: string;
  /** Settings the test adds to both nodes' environment. */
  readonly env: Record<string, string>;
  readonly outDir: string;
}

/**
 * A second compose file for deploy/compose.yaml, changing only what this machine needs (no image registry
 * is reachable, shared/NOTES.md): images made here instead of pulled, PostgreSQL and Redis on the host
 * instead of in the stack, and the secret file from a temporary folder. podman-compose 1.0.3 merges it
 * into the shipped file (a mapping key by key, a list by appending), so it can only add or replace:
 * - `image` of the nodes and the balancer: the Parley image the deploy tests build, and Debian's Caddy;
 * - `deploy.replicas: 0` for `postgres` and `redis`: the nodes depend on them by name, so they stay
 *   declared, but no container of theirs is started (podman-compose has no profiles, and starts a named
 *   service's dependencies whatever `--no-deps` says);
 * - the nodes' `DATABASE_URL` and `REDIS_URL`, to the host (`host.containers.internal`), and `env`;
 * - `secrets.parley_secret_key.file`.
 * Everything else is the shipped file: the network between the services, the Caddyfile (round robin to
 * `parley-a:3000` and `parley-b:3000`, health on /ready, no buffering), the balancer's published port
 * (`PARLEY_HTTP_PORT`), read-only roots with /tmp as a tmpfs, the data volumes, the secret mounted as a
 * file, the restart policy. Answers the file's path.
 */
export function renderComposeOverride(options: ComposeOverrideOptions): string {
  const node = {
    image: options.parleyImage,
    environment: { DATABASE_URL: options.databaseUrl, REDIS_URL: options.redisUrl, ...options.env },
  };
  const override = {
    services: {
      'parley-a': node,
      'parley-b': node,
      balancer: { image: options.caddyImage },
      postgres: { deploy: { replicas: 0 } },
      redis: { deploy: { replicas: 0 } },
    },
    secrets: { parley_secret_key: { file: options.secretKeyFile } },
  };
  const file = path.join(options.outDir, 'compose.override.yaml');
  writeFileSync(file, stringify(override, { aliasDuplicateObjects: false }));
  return file;
}
