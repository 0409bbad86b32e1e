import { loadavg } from 'node:os';
import { requestJson } from '../chat/http-client.js';
import { percentile } from '../chat/load.js';

export interface DeskRequest {
  readonly kind: string;
  readonly group: 'queue' | 'search';
  /** One path per round, taken in turn (search terms vary as an operator's do). */
  readonly paths: readonly string[];
}

export interface DeskTimingRow {
  readonly kind: string;
  readonly group: 'queue' | 'search';
  readonly tenant: string;
  readonly samples: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  /** Items on the first page, of the last round: a search that finds nothing times nothing. */
  readonly items: number;
}

export interface TimedTenant {
  readonly label: string;
  readonly baseUrl: string;
  readonly accessToken: string;
}

/**
 * Times each request over HTTP as the operator's console sends it, round after round, kind by kind and
 * tenant by tenant interleaved, so a change in the machine's load lands on every figure alike and the
 * big and small tenants compare their data, not their moment. The first rounds warm up and are dropped.
 */
export async function timeDesk(
  tenants: readonly TimedTenant[],
  requests: readonly DeskRequest[],
  options: { rounds: number; warmUp: number },
): Promise<{ rows: DeskTimingRow[]; load: number[] }> {
  const samples = new Map<string, number[]>();
  const items = new Map<string, number>();
  const loads: number[] = [];
  for (let round = 0; round < options.warmUp + options.rounds; round += 1) {
    if (round % 50 === 0) loads.push(loadavg()[0]!);
    for (const request of requests) {
      for (const tenant of tenants) {
        const path = request.paths[round % request.paths.length]!;
        const response = await requestJson('GET', tenant.baseUrl + path, {
          headers: { authorization: `Bearer ${tenant.accessToken}` },
        });
        if (response.status !== 200) {
          throw new Error(`GET ${path} answered ${response.status}: ${response.text.slice(0, 300)}`);
        }
        const key = `${request.kind}|${tenant.label}`;
        const body = response.body as { items?: unknown[] };
        items.set(key, body.items?.length ?? 1);
        if (round < options.warmUp) continue;
        const list = samples.get(key) ?? [];
        list.push(response.elapsedMs);
        samples.set(key, list);
      }
    }
  }
  const rows = requests.flatMap((request) =>
    tenants.map((tenant) => {
      const key = `${request.kind}|${tenant.label}`;
      const values = samples.get(key) ?? [];
      return {
        kind: request.kind,
        group: request.group,
        tenant: tenant.label,
        samples: values.length,
        p50Ms: percentile(values, 0.5),
        p95Ms: percentile(values, 0.95),
        items: items.get(key) ?? 0,
      };
    }),
  );
  return { rows, load: loads };
}

/** What the console asks for: the three tabs and their counts, then contact searches of each field. */
export function deskRequests(): DeskRequest[] {
  const queue = '/v1/support-conversations';
  return [
    { kind: 'queue: mine', group: 'queue', paths: [`${queue}?view=mine`] },
    { kind: 'queue: unassigned', group: 'queue', paths: [`${queue}?view=unassigned`] },
    { kind: 'queue: all', group: 'queue', paths: [`${queue}?view=all`] },
    { kind: 'queue: all, resolved', group: 'queue', paths: [`${queue}?view=all&status=resolved`] },
    { kind: 'tab counts', group: 'queue', paths: [`${queue}/counts`] },
    { kind: 'tab counts, resolved', group: 'queue', paths: [`${queue}/counts?status=resolved`] },
    {
      kind: 'search: name (3+ letters)',
      group: 'search',
      paths: ['mar', 'Grace', 'wei', 'ann l', 'Omar K', 'lena', 'priya o'].map((q) => contactSearch(q)),
    },
    {
      kind: 'search: email',
      group: 'search',
      paths: ['maria.1', 'zoe.', 'jon.42', 'grace.77', 'hiro.3'].map((q) => contactSearch(q)),
    },
    { kind: 'search: phone', group: 'search', paths: ['+49301', '+4930555', '+493012'].map((q) => contactSearch(q)) },
    {
      kind: 'search: external id',
      group: 'search',
      paths: ['user-4', 'user-123', 'user-9', 'user-77'].map((q) => contactSearch(q)),
    },
    { kind: 'search: one letter', group: 'search', paths: ['m', 'a', 's', 'j'].map((q) => contactSearch(q)) },
  ];
}

const contactSearch = (q: string) => `/v1/contacts?q=${encodeURIComponent(q)}`;
