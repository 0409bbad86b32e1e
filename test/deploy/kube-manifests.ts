import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';

interface Probe {
  httpGet: { path: string; port: number | string };
}
interface Container {
  image: string;
  ports?: unknown[];
  env: { name: string; value: string }[];
  readinessProbe: Probe;
  livenessProbe: Probe;
  startupProbe: Probe;
}
interface Manifest {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  spec?: {
    replicas: number;
    template: {
      spec: { hostNetwork?: boolean; containers: Container[]; volumes: { name: string; [key: string]: unknown }[] };
    };
  };
}

export interface NodeManifestOptions {
  readonly name: string;
  readonly image: string;
  readonly port: number;
  readonly redisUrl: string;
  /** Files named as the Secret's keys (`secret-key`, `database-url`). */
  readonly secretsDir: string;
  readonly env: Record<string, string>;
  readonly outDir: string;
}

/**
 * deploy/kubernetes/parley.yaml's ConfigMap and Deployment as one node for `podman kube play` on this
 * machine, changed only where podman or the machine need it (shared/NOTES.md): the host's network (so no
 * port mappings, and probes by number), one replica per play (podman runs one pod per Deployment), the
 * Secret's files from a host directory (kube play mounts no Secret volumes), Redis on the host, and the
 * settings a test adds. Everything else — image user, read-only root, probes' paths, volumes for data and
 * /tmp, the secrets read from files — is the manifest as shipped. Answers the YAML file's path.
 */
export function renderNodeManifest(options: NodeManifestOptions): string {
  const shipped = readFileSync('deploy/kubernetes/parley.yaml', 'utf8');
  const documents = parseAllDocuments(shipped).map((document) => document.toJS() as Manifest);
  const configMap = documents.find((document) => document.kind === 'ConfigMap')!;
  const deployment = documents.find((document) => document.kind === 'Deployment')!;

  configMap.metadata.name = `${options.name}-config`;
  configMap.data = { ...configMap.data, REDIS_URL: options.redisUrl, ...options.env };
  deployment.metadata.name = options.name;
  const spec = deployment.spec!;
  spec.replicas = 1;
  const pod = spec.template.spec;
  pod.hostNetwork = true;
  pod.volumes = pod.volumes.map((volume) =>
    volume.name === 'secrets' ? { name: 'secrets', hostPath: { path: options.secretsDir, type: 'Directory' } } : volume,
  );
  const container = pod.containers[0]!;
  container.image = options.image;
  delete container.ports;
  for (const probe of [container.readinessProbe, container.livenessProbe, container.startupProbe]) {
    probe.httpGet.port = options.port;
  }
  container.env.push({ name: 'PORT', value: String(options.port) }, { name: 'HOST', value: '127.0.0.1' });
  (container as unknown as { envFrom: unknown }).envFrom = [{ configMapRef: { name: configMap.metadata.name } }];

  mkdirSync(options.outDir, { recursive: true });
  const file = path.join(options.outDir, `${options.name}.yaml`);
  writeFileSync(file, [configMap, deployment].map((document) => stringify(document)).join('---\n'));
  return file;
}
