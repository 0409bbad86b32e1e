/**
 * `tsx bench/chat/cpu-profile-summary.ts <file.cpuprofile> [top]` — where a V8 CPU profile of the
 * Parley child (BENCH_CPU_PROFILE=1) spent its time: self time by function and by package, and
 * inclusive time of Parley's own functions.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArgument] = process.argv.slice(2);
if (!file) throw new Error('usage: cpu-profile-summary.ts <file.cpuprofile> [top]');
const top = Number(topArgument ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parentOf = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);

const selfMicros = new Map<number, number>();
profile.samples.forEach((id, index) =>
  selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)),
);
const total = [...selfMicros.values()].reduce((sum, value) => sum + value, 0);

const where = (node: ProfileNode) => {
  const url = node.callFrame.url.replace(/^file:\/\//, '');
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  if (url.includes('/dist/') || url.includes('/src/')) return 'parley';
  if (url.startsWith('node:')) return 'node:internal';
  return url ? 'other' : `(${node.callFrame.functionName || 'program'})`;
};
const label = (node: ProfileNode) =>
  `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(dist|src)\//, '$1/')}:${node.callFrame.lineNumber + 1}`;

const add = (map: Map<string, number>, key: string, value: number) => map.set(key, (map.get(key) ?? 0) + value);
const selfByFunction = new Map<string, number>();
const selfByPackage = new Map<string, number>();
const inclusiveParley = new Map<string, number>();
for (const [id, micros] of selfMicros) {
  const node = byId.get(id)!;
  add(selfByFunction, label(node), micros);
  add(selfByPackage, where(node), micros);
  // Inclusive time of Parley's own frames: each once per sample, however deep the recursion.
  const seen = new Set<string>();
  for (let current: number | undefined = id; current !== undefined; current = parentOf.get(current)) {
    const frame = byId.get(current)!;
    if (where(frame) !== 'parley') continue;
    const key = label(frame);
    if (!seen.has(key)) add(inclusiveParley, key, micros);
    seen.add(key);
  }
}

const print = (title: string, map: Map<string, number>) => {
  console.log(`\n${title}`);
  for (const [key, micros] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(
      `${((micros / total) * 100).toFixed(1).padStart(5)} %  ${(micros / 1000).toFixed(0).padStart(7)} ms  ${key}`,
    );
  }
};
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled`);
print('self time by package', selfByPackage);
print('self time by function', selfByFunction);
print("inclusive time of Parley's functions", inclusiveParley);
