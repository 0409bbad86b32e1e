import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

/**
 * What the shipped Kubernetes manifests promise an operator, read from the files as `kubectl apply -k`
 * reads them (the kube-stack test runs them; this checks what podman cannot show: a cluster's admission
 * rules, its autoscaler and its endpoint removal before SIGTERM).
 */
interface Manifest {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  spec?: Record<string, unknown>;
}

const manifests = parseAllDocuments(readFileSync('deploy/kubernetes/parley.yaml', 'utf8')).map(
  (document) => document.toJS() as Manifest,
);
const byKind = (kind: string) => manifests.find((manifest) => manifest.kind === kind);

interface PodSpec {
  terminationGracePeriodSeconds: number;
  securityContext: Record<string, unknown>;
  containers: {
    securityContext: Record<string, unknown>;
    lifecycle?: { preStop?: { exec?: { command: string[] } } };
  }[];
}
const deploymentSpec = byKind('Deployment')!.spec as { replicas?: number; template: { spec: PodSpec } };
const pod = deploymentSpec.template.spec;

describe('the Kubernetes manifests', () => {
  it('pass the "restricted" Pod Security level: non-root, no escalation, no capabilities, the default seccomp', () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    for (const container of pod.containers) {
      expect(container.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        readOnlyRootFilesystem: true,
      });
    }
  });

  it('pause before SIGTERM and still drain within the grace period', () => {
    const command = pod.containers[0]!.lifecycle?.preStop?.exec?.command;
    // Node is the image's one sure binary; its pause is the setTimeout's milliseconds.
    expect(command?.[0]).toBe('node');
    const pauseMs = Number(/setTimeout\(\(\) => \{\}, (\d+)\)/.exec(command?.join(' ') ?? '')?.[1]);
    expect(pauseMs).toBeGreaterThanOrEqual(3000);
    const shutdownGraceMs = Number(byKind('ConfigMap')!.data!.SHUTDOWN_GRACE_MS);
    expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(pauseMs + shutdownGraceMs);
  });

  it('scale the nodes with an autoscaler that owns the replica count', () => {
    const autoscaler = byKind('HorizontalPodAutoscaler')!;
    expect(autoscaler.spec).toMatchObject({
      scaleTargetRef: { kind: 'Deployment', name: byKind('Deployment')!.metadata.name },
      minReplicas: 2,
    });
    expect((autoscaler.spec as { maxReplicas: number }).maxReplicas).toBeGreaterThan(2);
    // A replicas field in the Deployment would reset the autoscaler's count on every apply.
    expect(deploymentSpec.replicas).toBeUndefined();
    // At least one node stays up through voluntary disruptions.
    expect(byKind('PodDisruptionBudget')!.spec).toMatchObject({ minAvailable: 1 });
  });

  it('keep the compose secret out of git and out of the image build', () => {
    for (const ignoreFile of ['.gitignore', '.containerignore']) {
      expect(readFileSync(ignoreFile, 'utf8').split('\n'), ignoreFile).toContain('deploy/secret.key');
    }
  });
});
