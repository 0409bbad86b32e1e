import {
  at,
  fixtureCallCostMicros,
  fixtureConversations,
  startOf,
  type ConversationSpec,
} from './analytics-fixture.js';

/**
 * The fixture's figures worked out in plain JavaScript from its description: what the analytics SQL
 * must agree with. Written for these few rows, not for speed or generality.
 */
export interface Expected {
  conversations: number;
  user: number;
  ai: number;
  operator: number;
  supportConversations: number;
  handedOff: number;
  aiResolved: number;
  firstResponseAi: number[];
  firstResponseHuman: number[];
  resolution: number[];
  ratings: number[];
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  knowledgeQueries: number;
  foundNothing: number;
  cited: number;
  toolCalls: number;
  toolFailures: number;
  activeUsers: number;
  activeContacts: number;
}

const dayMs = 86_400_000;

/** percentile_cont: linear interpolation between the two nearest ranks. */
export function percentile(values: readonly number[], fraction: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = fraction * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}

export function expectedFor(options: {
  fromDay: number;
  toDay: number;
  where?: (spec: ConversationSpec) => boolean;
  /** As the tenant was seeded (the claude model priced or not); true unless said. */
  pricesClaude?: boolean;
}): Expected {
  const prices = { pricesClaude: options.pricesClaude ?? true };
  const from = Date.parse('2026-03-02T00:00:00Z') + options.fromDay * dayMs;
  const until = Date.parse('2026-03-02T00:00:00Z') + (options.toDay + 1) * dayMs;
  const inRange = (time: Date | number) => {
    const ms = typeof time === 'number' ? time : time.getTime();
    return ms >= from && ms < until;
  };
  const specs = fixtureConversations.filter((spec) => options.where?.(spec) ?? true);
  const result: Expected = {
    conversations: 0,
    user: 0,
    ai: 0,
    operator: 0,
    supportConversations: 0,
    handedOff: 0,
    aiResolved: 0,
    firstResponseAi: [],
    firstResponseHuman: [],
    resolution: [],
    ratings: [],
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    knowledgeQueries: 0,
    foundNothing: 0,
    cited: 0,
    toolCalls: 0,
    toolFailures: 0,
    activeUsers: 0,
    activeContacts: 0,
  };
  const users = new Set<string>();
  const contacts = new Set<string>();
  const addCall = (model: string, inputTokens: number, outputTokens: number) => {
    result.inputTokens += inputTokens;
    result.outputTokens += outputTokens;
    result.costUsd += (fixtureCallCostMicros(model, inputTokens, outputTokens, prices) ?? 0) / 1e6;
  };
  for (const spec of specs) {
    const started = inRange(startOf(spec));
    for (const message of spec.messages) {
      if (!inRange(at(spec, message.atMin))) continue;
      result[message.kind] += 1;
      if (message.kind === 'user' && spec.support) contacts.add(spec.support.contact);
      if (message.kind === 'user' && !spec.support) users.add(spec.owner);
      // Tokens and cost are the usage ledger's: one call per AI reply that names its model.
      if (message.kind === 'ai' && message.model) {
        addCall(message.model, message.inputTokens ?? 0, message.outputTokens ?? 0);
      }
      if (message.passagesFound !== undefined) {
        result.knowledgeQueries += 1;
        if (message.passagesFound === 0) result.foundNothing += 1;
        if (message.citesPassage) result.cited += 1;
      }
    }
    for (const call of spec.calls ?? []) {
      if (inRange(at(spec, call.atMin))) addCall(call.model, call.inputTokens, call.outputTokens);
    }
    for (const tool of spec.tools ?? []) {
      if (!inRange(at(spec, tool.atMin))) continue;
      result.toolCalls += 1;
      if (tool.outcome === 'error' || tool.outcome === 'timeout') result.toolFailures += 1;
    }
    if (started) {
      result.conversations += 1;
      const firstUser = spec.messages.find((message) => message.kind === 'user');
      const firstAi = spec.messages.find(
        (message) => message.kind === 'ai' && message.atMin >= (firstUser?.atMin ?? Infinity),
      );
      if (firstUser && firstAi)
        result.firstResponseAi.push((firstAi.atMin - firstUser.atMin) * 60_000 + (firstAi.tookSeconds ?? 0) * 1000);
    }
    const support = spec.support;
    if (support?.rating !== undefined && inRange(at(spec, (support.resolvedAtMin ?? 0) + 1)))
      result.ratings.push(support.rating);
    if (!support || !started) continue;
    result.supportConversations += 1;
    if (support.handedAtMin !== undefined) {
      result.handedOff += 1;
      const reply = spec.messages.find(
        (message) => message.kind === 'operator' && message.atMin >= support.handedAtMin!,
      );
      if (reply) result.firstResponseHuman.push((reply.atMin - support.handedAtMin) * 60_000);
    } else if (support.resolvedAtMin !== undefined) {
      result.aiResolved += 1;
    }
    if (support.resolvedAtMin !== undefined) result.resolution.push(support.resolvedAtMin * 60_000);
  }
  result.activeUsers = users.size;
  result.activeContacts = contacts.size;
  return result;
}
