import { explainPageQueries, type ExplainedQuery } from './explain.js';
import { timePages } from './page-timing.js';
import type { ParleyInstance } from './parley-instance.js';
import type { Session } from './parley-api.js';
import type { PageReport } from './report.js';
import { analyzeTables, seedConversations, tableSizes } from './seed.js';

export interface PageSuiteSettings {
  readonly seedConversations: number;
  readonly smallConversations: number;
  readonly messagesPerConversation: number;
  readonly pageRequests: number;
}

interface SeededTenant {
  readonly admin: Session;
  readonly member: Session;
  readonly agentId: string;
}

/**
 * A small tenant (100 conversations) is seeded and timed first, while it is all the data there is;
 * then a big one (10,000 conversations, 1,000,000 messages) is seeded and both are timed again.
 * Each tenant's conversations belong to one member, who lists them; the tenant's admin lists the
 * whole tenant. Everything else goes through Parley's HTTP API.
 */
export async function measurePages(
  instance: ParleyInstance,
  settings: PageSuiteSettings,
  log: (line: string) => void,
): Promise<PageReport> {
  const kind = instance.storage.kind;
  const small = await createTenant(instance, `small-${kind}`);
  const big = await createTenant(instance, `big-${kind}`);
  const plan = (tenant: SeededTenant, conversations: number) => ({
    tenantId: tenant.member.tenantId,
    ownerId: tenant.member.userId,
    agentId: tenant.agentId,
    conversations,
    messagesPerConversation: settings.messagesPerConversation,
  });

  await instance.withDatabase(async (db) => {
    await seedConversations(db, plan(small, settings.smallConversations));
    await analyzeTables(db);
  });
  // Sessions survive a restart of the embedded server: they are signed tokens over stored users.
  const [smallProbe] = await timePages(instance.client, [small], settings.pageRequests);
  if (!smallProbe) throw new Error('no timings for the small tenant');
  log(`  100 conversations timed (${smallProbe.listedConversations} listed)`);

  let seedSeconds = 0;
  const sizes = await instance.withDatabase(async (db) => {
    seedSeconds = (await seedConversations(db, plan(big, settings.seedConversations))).seconds;
    await analyzeTables(db);
    return tableSizes(db);
  });
  log(`  seeded ${sizes.messages} messages in ${seedSeconds.toFixed(0)} s (${sizes.totalMb} MB)`);
  // Timed together, request by request: the two differ in the size of their data, not in the moment.
  const [bigProbe, smallAgain] = await timePages(instance.client, [big, small], settings.pageRequests);
  if (!bigProbe || !smallAgain) throw new Error('no timings for the seeded tenants');
  const rssAfterMb = instance.child().memory()?.rssMb;
  log(`  ${settings.seedConversations} conversations timed (${bigProbe.listedConversations} listed)`);

  let explained: ExplainedQuery[] | string;
  try {
    explained = await instance.withDatabase(
      (db) =>
        explainPageQueries(db, {
          tenantId: big.member.tenantId,
          memberId: big.member.userId,
          conversationId: bigProbe.conversationId,
          middleCursor: bigProbe.middleCursor,
          olderCursor: bigProbe.olderCursor,
        }),
      { restart: false },
    );
  } catch (error) {
    explained = error instanceof Error ? error.message : String(error);
  }

  return {
    storage: kind,
    label: instance.label,
    small: smallProbe,
    big: bigProbe,
    smallAfterBig: smallAgain,
    seedSeconds,
    sizes,
    rssAfterMb,
    explained,
  };
}

async function createTenant(instance: ParleyInstance, name: string): Promise<SeededTenant> {
  const { client } = instance;
  const admin = await client.register(`${name}-admin@bench.test`, `Bench ${name}`);
  const memberEmail = `${name}-member@bench.test`;
  await client.createUser(admin, memberEmail, 'member');
  const member = await client.login(memberEmail);
  const agentId = await client.createAgent(admin, 'Seeded agent', 'bench:bench-t10-g10-f0');
  return { admin, member, agentId };
}
