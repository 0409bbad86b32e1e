import { filesBody, sendImportHalfway } from '../knowledge/import-requests.js';
import { operationDeadlineMs, sendWithRetries, type ClientContext } from './chaos-clients.js';
import type { ChaosCluster } from './chaos-cluster.js';
import type { History } from './chaos-history.js';
import type { ChaosTenant } from './chaos-tenant.js';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let imports = 0;

/** An import's files: small Markdown documents, each named after the import, so the check finds them. */
const filesOf = (tag: string, count: number) =>
  Array.from({ length: count }, (_unused, index) => ({
    name: `${tag}-${index}.md`,
    content: `# ${tag} part ${index}\n\nWhat part ${index} of ${tag} says.\n`,
  }));

/**
 * Sends an import through the balancer until it answers 201, as docs/import.md says to after a cut: the
 * same files again, what was added recognised and skipped. Recorded as one operation, acknowledged at 201.
 */
async function importUntilAnswered(
  context: Pick<ClientContext, 'cluster' | 'tenant' | 'history'>,
  tag: string,
  count: number,
  sourceId = context.tenant.importSourceId,
) {
  const { cluster, tenant, history } = context;
  const operation = history.begin('import', tag);
  const body = filesBody(filesOf(tag, count));
  const response = await sendWithRetries(operation, () =>
    fetch(`${cluster.balancer.baseUrl}/v1/knowledge-sources/${sourceId}/imports`, {
      method: 'POST',
      headers: { ...tenant.headers, ...body.headers },
      body: body.payload,
      signal: AbortSignal.timeout(operationDeadlineMs),
    }),
  );
  operation.acked = response?.status === 201;
  const answer = operation.acked ? ((await response!.json()) as { duplicateCount: number }) : undefined;
  if (!answer) await response?.body?.cancel().catch(() => undefined);
  history.end(operation, answer ? 'ok' : 'failed', answer ? undefined : `answered ${response?.status}`);
  return answer;
}

/** An admin importing a handful of documents at a time into the knowledge source. */
export async function importClient(context: ClientContext): Promise<void> {
  while (context.isRunning()) {
    await importUntilAnswered(context, `import-${++imports}`, 6);
    await pause(500);
  }
}

/**
 * kill -9 of a node while an import runs on it: the import is started on that node itself, its files
 * sent but for the last few, and the node killed once some are added. Then, as the person would, the
 * same files again through the balancer.
 */
export async function killMidImport(cluster: ChaosCluster, round: number, tenant: ChaosTenant, history: History) {
  const index = round % cluster.nodes.length;
  const tag = `import-${++imports}-cut`;
  const importsUrl = `/v1/knowledge-sources/${tenant.cutImportSourceId}/imports`;
  const files = filesOf(tag, 16);
  sendImportHalfway(`${cluster.nodes[index]!.node.baseUrl}${importsUrl}`, tenant.headers, files, 12);
  // Some files added (the newest import of the fault's own source, read through the balancer), or 10 s.
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await pause(100)) {
    const answer = await fetch(`${cluster.balancer.baseUrl}${importsUrl}`, { headers: tenant.headers }).catch(
      () => undefined,
    );
    const [newest] = answer?.ok
      ? ((await answer.json()) as { items: { status: string; fileCount: number }[] }).items
      : [];
    if (newest?.status === 'running' && newest.fileCount >= 4) break;
  }
  await cluster.killAndReplace(index, 1_000);
  const again = await importUntilAnswered({ cluster, tenant, history }, tag, files.length, tenant.cutImportSourceId);
  // What the killed node had added before it went: the files the same import, sent again, found there.
  console.log(
    `[chaos] ${tag}: ${again ? `${again.duplicateCount} of ${files.length} files added before the kill` : 'not answered'}`,
  );
}

/** What an import left after the run: imports still running, documents never indexed. */
export async function unsettledImports(cluster: ChaosCluster, tenantId: string): Promise<string[]> {
  const { rows } = await cluster.sql.query(
    `select 'import ' || id || ' still running' as problem from knowledge_imports where tenant_id = $1 and status = 'running'
     union all
     select 'document ' || coalesce(path, title) || ' ' || status || coalesce(': ' || error_message, '')
       from knowledge_documents where tenant_id = $1 and status <> 'ready'`,
    [tenantId],
  );
  return (rows as { problem: string }[]).map((row) => row.problem);
}

/** Every acknowledged import's files are documents of the source, each once. */
export async function importedFilesLostOrDoubled(cluster: ChaosCluster, tenantId: string, history: History) {
  const { rows } = await cluster.sql.query(
    `select path, count(*)::int as count from knowledge_documents where tenant_id = $1 and path is not null group by path`,
    [tenantId],
  );
  const stored = new Map((rows as { path: string; count: number }[]).map((row) => [row.path, row.count]));
  return history.operations
    .filter((operation) => operation.kind === 'import' && operation.acked)
    .flatMap((operation) => {
      const count = operation.content!.endsWith('-cut') ? 16 : 6;
      return filesOf(operation.content!, count)
        .map((file) => file.name)
        .filter((name) => stored.get(name) !== 1)
        .map((name) => `${name} stored ${stored.get(name) ?? 0} times`);
    });
}
