import type { Database } from '../../src/platform/db/client.js';
import {
  agents,
  contacts,
  conversations,
  inboxes,
  messages,
  modelPrices,
  providers,
  supportConversations,
  supportEvents,
  supportRatings,
  toolExecutions,
  usageLedger,
} from '../../src/platform/db/schema/index.js';
import { newId } from '../../src/platform/ids.js';

/**
 * A small tenant history written straight into the raw tables, described as plain data so the tests
 * can work out every expected figure from the description (in JavaScript), not from the SQL under test.
 * Times are minutes after the conversation starts, on day `day` of the week from 2026-03-02 (a Monday).
 */
export const fixtureStart = Date.parse('2026-03-02T00:00:00Z');
const dayMs = 86_400_000;
const minuteMs = 60_000;

export interface MessageSpec {
  readonly kind: 'user' | 'ai' | 'operator';
  readonly atMin: number;
  /** AI replies: completed this many seconds after they start. */
  readonly tookSeconds?: number;
  readonly model?: string;
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  /** AI replies of an agent with knowledge: passages found (null: no search). */
  readonly passagesFound?: number;
  readonly citesPassage?: boolean;
}

export interface ConversationSpec {
  readonly day: number;
  /** Hour of the day it starts (UTC). */
  readonly hour: number;
  readonly agent: 'first' | 'second';
  readonly owner: 'admin' | 'member';
  readonly support?: {
    readonly inbox: 'web' | 'app';
    readonly contact: 'ann' | 'bob' | 'cat';
    readonly operator?: 'opA' | 'opB';
    readonly handedAtMin?: number;
    readonly resolvedAtMin?: number;
    readonly rating?: number;
  };
  readonly messages: readonly MessageSpec[];
  readonly tools?: readonly { readonly atMin: number; readonly outcome: 'success' | 'error' | 'timeout' | 'denied' }[];
  /** Model calls that wrote no message (a title, a summary): in the usage ledger only. */
  readonly calls?: readonly CallSpec[];
}

export interface CallSpec {
  readonly atMin: number;
  readonly path: 'title' | 'summary' | 'memory';
  readonly model: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
}

const gpt = 'acme:gpt-4o-mini';
const claude = 'claude-co:claude-haiku';

export const fixtureConversations: readonly ConversationSpec[] = [
  // A plain chat of the admin, priced model, knowledge found and cited.
  {
    day: 0,
    hour: 9,
    agent: 'first',
    owner: 'admin',
    messages: [
      { kind: 'user', atMin: 0 },
      {
        kind: 'ai',
        atMin: 0,
        tookSeconds: 4,
        model: gpt,
        inputTokens: 1000,
        outputTokens: 200,
        passagesFound: 3,
        citesPassage: true,
      },
      { kind: 'user', atMin: 5 },
      { kind: 'ai', atMin: 5, tookSeconds: 2, model: gpt, inputTokens: 1500, outputTokens: 300, passagesFound: 0 },
    ],
    tools: [
      { atMin: 1, outcome: 'success' },
      { atMin: 2, outcome: 'error' },
    ],
    calls: [
      { atMin: 1, path: 'title', model: gpt, inputTokens: 120, outputTokens: 8 },
      { atMin: 6, path: 'summary', model: gpt, inputTokens: 400, outputTokens: 60 },
    ],
  },
  // Support: the AI answers and it is resolved with no person: resolved by the AI alone, rated 5.
  {
    day: 0,
    hour: 23,
    agent: 'first',
    owner: 'member',
    support: { inbox: 'web', contact: 'ann', resolvedAtMin: 30, rating: 5 },
    messages: [
      { kind: 'user', atMin: 0 },
      { kind: 'ai', atMin: 0, tookSeconds: 6, model: claude, inputTokens: 800, outputTokens: 100 },
    ],
  },
  // Support: handed off after 2 minutes, operator A answers 3 minutes later, resolved at 60, rated 2.
  {
    day: 1,
    hour: 10,
    agent: 'second',
    owner: 'member',
    support: { inbox: 'web', contact: 'bob', operator: 'opA', handedAtMin: 2, resolvedAtMin: 60, rating: 2 },
    messages: [
      { kind: 'user', atMin: 0 },
      { kind: 'ai', atMin: 0, tookSeconds: 10, model: gpt, inputTokens: 500, outputTokens: 50, passagesFound: 2 },
      { kind: 'user', atMin: 1 },
      { kind: 'operator', atMin: 5 },
    ],
    tools: [{ atMin: 1, outcome: 'timeout' }],
  },
  // Support in the other inbox: handed off, operator B answers after 10 minutes, never resolved.
  {
    day: 3,
    hour: 14,
    agent: 'first',
    owner: 'member',
    support: { inbox: 'app', contact: 'cat', operator: 'opB', handedAtMin: 1 },
    messages: [
      { kind: 'user', atMin: 0 },
      { kind: 'ai', atMin: 0, tookSeconds: 1, model: gpt, inputTokens: 300, outputTokens: 30 },
      { kind: 'operator', atMin: 11 },
      { kind: 'user', atMin: 12 },
    ],
    tools: [{ atMin: 3, outcome: 'denied' }],
  },
  // Support: resolved by the AI alone, rated 4, the reply's model has no price.
  {
    day: 6,
    hour: 22,
    agent: 'second',
    owner: 'member',
    support: { inbox: 'app', contact: 'ann', resolvedAtMin: 15, rating: 4 },
    messages: [
      { kind: 'user', atMin: 0 },
      { kind: 'ai', atMin: 0, tookSeconds: 3, model: 'offline', inputTokens: 40, outputTokens: 20 },
    ],
  },
  // The member's own chat on the range's last day.
  {
    day: 6,
    hour: 12,
    agent: 'second',
    owner: 'member',
    messages: [
      { kind: 'user', atMin: 0 },
      { kind: 'ai', atMin: 0, tookSeconds: 8, model: claude, inputTokens: 2000, outputTokens: 400 },
    ],
  },
  // Outside the week on either side: the day before and the day after.
  {
    day: -1,
    hour: 23,
    agent: 'first',
    owner: 'admin',
    support: { inbox: 'web', contact: 'bob', resolvedAtMin: 5, rating: 1 },
    messages: [
      { kind: 'user', atMin: 59 },
      { kind: 'ai', atMin: 59, tookSeconds: 1, model: gpt, inputTokens: 9999, outputTokens: 9999 },
    ],
    tools: [{ atMin: 0, outcome: 'error' }],
  },
  {
    day: 7,
    hour: 0,
    agent: 'first',
    owner: 'admin',
    messages: [
      { kind: 'user', atMin: 0 },
      { kind: 'ai', atMin: 0, tookSeconds: 1, model: gpt, inputTokens: 7777, outputTokens: 7777 },
    ],
  },
];

/** USD per million tokens, in and out; `claude-co:claude-haiku` (anthropic) stays unpriced... */
export const fixturePrices = { gpt: { input: 0.15, output: 0.6 }, claude: { input: 0.8, output: 4 } } as const;

/**
 * What the budgets charged a call of the fixture (the ledger's `cost_micros`): its price when it was made,
 * in millionths of a dollar; the offline model is free; null for a model the table had no price for.
 */
export function fixtureCallCostMicros(
  model: string,
  inputTokens: number,
  outputTokens: number,
  options: { pricesClaude: boolean },
): number | null {
  if (model === 'offline') return 0;
  const price =
    model === gpt ? fixturePrices.gpt : model === claude && options.pricesClaude ? fixturePrices.claude : undefined;
  return price ? Math.round(inputTokens * price.input + outputTokens * price.output) : null;
}

export interface FixtureIds {
  readonly agents: Record<ConversationSpec['agent'], string>;
  readonly inboxes: Record<'web' | 'app', string>;
  readonly operators: Record<'opA' | 'opB', string>;
}

export const startOf = (spec: ConversationSpec) => fixtureStart + spec.day * dayMs + spec.hour * 60 * minuteMs;
export const at = (spec: ConversationSpec, minutes: number) => new Date(startOf(spec) + minutes * minuteMs);

/** Writes the fixture into one tenant, whose admin and member already exist, and operators opA and opB. */
export async function seedFixture(
  db: Database,
  tenant: { tenantId: string; adminId: string; memberId: string; operatorIds: Record<'opA' | 'opB', string> },
  options: { pricesClaude: boolean },
): Promise<FixtureIds> {
  const { tenantId } = tenant;
  const agentIds = { first: newId(), second: newId() };
  for (const [name, id] of Object.entries(agentIds)) {
    await db.insert(agents).values({ id, tenantId, visibility: 'tenant', name, model: gpt });
  }
  await db.insert(providers).values([
    { id: newId(), tenantId, name: 'acme', kind: 'openai' },
    { id: newId(), tenantId, name: 'claude-co', kind: 'anthropic' },
  ]);
  await db
    .insert(modelPrices)
    .values({
      id: newId(),
      providerKind: 'openai',
      model: 'gpt-4o-mini',
      inputUsdPerMillion: fixturePrices.gpt.input,
      outputUsdPerMillion: fixturePrices.gpt.output,
    })
    .onConflictDoNothing();
  if (options.pricesClaude) {
    await db
      .insert(modelPrices)
      .values({
        id: newId(),
        providerKind: 'anthropic',
        model: 'claude-haiku',
        inputUsdPerMillion: fixturePrices.claude.input,
        outputUsdPerMillion: fixturePrices.claude.output,
      })
      .onConflictDoNothing();
  }
  const inboxIds = { web: newId(), app: newId() };
  for (const [name, id] of Object.entries(inboxIds)) {
    await db.insert(inboxes).values({
      id,
      tenantId,
      name,
      agentId: agentIds.first,
      widgetTitle: name,
      widgetColor: '#123456',
      handoffKeywords: [],
      onAiFailure: 'handover',
      encryptedSigningSecret: 'not-used-here',
      signingSecretRotatedAt: new Date(),
    });
  }
  const contactIds = { ann: newId(), bob: newId(), cat: newId() };
  for (const [name, id] of Object.entries(contactIds)) await db.insert(contacts).values({ id, tenantId, name });

  for (const spec of fixtureConversations) {
    const conversationId = newId();
    await db.insert(conversations).values({
      id: conversationId,
      tenantId,
      ownerId: spec.owner === 'admin' ? tenant.adminId : tenant.memberId,
      agentId: agentIds[spec.agent],
      createdAt: at(spec, 0),
    });
    for (const message of spec.messages) {
      const createdAt = at(spec, message.atMin);
      const isAi = message.kind === 'ai';
      await db.insert(messages).values({
        id: newId(),
        tenantId,
        conversationId,
        role: message.kind === 'user' ? 'user' : 'assistant',
        content: 'fixture',
        status: 'complete',
        model: message.model ?? null,
        inputTokens: message.inputTokens ?? null,
        outputTokens: message.outputTokens ?? null,
        passagesFound: message.passagesFound ?? null,
        citations: message.passagesFound === undefined ? null : message.citesPassage ? [citation()] : [],
        authorId: message.kind === 'operator' ? tenant.operatorIds[spec.support!.operator!] : null,
        createdAt,
        completedAt: isAi ? new Date(createdAt.getTime() + (message.tookSeconds ?? 0) * 1000) : createdAt,
      });
    }
    const ledgerRow = (call: Omit<CallSpec, 'path'> & { path: string }) => ({
      tenantId,
      month: `${at(spec, call.atMin).toISOString().slice(0, 7)}-01`,
      createdAt: at(spec, call.atMin),
      path: call.path,
      agentId: agentIds[spec.agent],
      conversationId,
      provider: call.model.split(':')[0]!,
      modelRef: call.model,
      inputTokens: call.inputTokens,
      outputTokens: call.outputTokens,
      costMicros: fixtureCallCostMicros(call.model, call.inputTokens, call.outputTokens, options),
      latencyMs: 1000,
      outcome: 'finished',
    });
    const replyCalls = spec.messages.flatMap((message) =>
      message.kind === 'ai' && message.model
        ? [
            ledgerRow({
              atMin: message.atMin,
              path: spec.support ? 'support' : 'chat',
              model: message.model,
              inputTokens: message.inputTokens ?? 0,
              outputTokens: message.outputTokens ?? 0,
            }),
          ]
        : [],
    );
    const ledgerRows = [...replyCalls, ...(spec.calls ?? []).map(ledgerRow)];
    if (ledgerRows.length > 0) await db.insert(usageLedger).values(ledgerRows);
    for (const tool of spec.tools ?? []) {
      await db.insert(toolExecutions).values({
        id: newId(),
        tenantId,
        toolName: 'lookup',
        agentId: agentIds[spec.agent],
        conversationId,
        argumentsSha256: 'x',
        durationMs: 5,
        outcome: tool.outcome,
        createdAt: at(spec, tool.atMin),
      });
    }
    const support = spec.support;
    if (!support) continue;
    const supportId = newId();
    const status =
      support.resolvedAtMin !== undefined ? 'resolved' : support.handedAtMin !== undefined ? 'open' : 'bot';
    await db.insert(supportConversations).values({
      id: supportId,
      tenantId,
      inboxId: inboxIds[support.inbox],
      contactId: contactIds[support.contact],
      conversationId,
      status,
      assigneeId: support.operator ? tenant.operatorIds[support.operator] : null,
      createdAt: at(spec, 0),
    });
    const event = (toStatus: 'bot' | 'open' | 'resolved', minutes: number, fromStatus: 'bot' | 'open' | null) => ({
      id: newId(),
      tenantId,
      supportConversationId: supportId,
      actorKind: 'system' as const,
      action: 'fixture',
      fromStatus,
      toStatus,
      createdAt: at(spec, minutes),
    });
    await db.insert(supportEvents).values(event('bot', 0, null));
    if (support.handedAtMin !== undefined)
      await db.insert(supportEvents).values(event('open', support.handedAtMin, 'bot'));
    if (support.resolvedAtMin !== undefined) {
      await db
        .insert(supportEvents)
        .values(event('resolved', support.resolvedAtMin, support.handedAtMin === undefined ? 'bot' : 'open'));
    }
    if (support.rating !== undefined) {
      await db.insert(supportRatings).values({
        supportConversationId: supportId,
        tenantId,
        rating: support.rating,
        isAiOnly: support.operator === undefined,
        operatorId: support.operator ? tenant.operatorIds[support.operator] : null,
        createdAt: at(spec, (support.resolvedAtMin ?? 0) + 1),
      });
    }
  }
  return { agents: agentIds, inboxes: inboxIds, operators: tenant.operatorIds };
}

function citation() {
  return {
    marker: 1,
    sourceId: newId(),
    documentId: newId(),
    documentTitle: 'FAQ',
    chunkId: newId(),
    page: null,
    headingPath: [],
    score: 0.9,
    excerpt: 'fixture',
  };
}
