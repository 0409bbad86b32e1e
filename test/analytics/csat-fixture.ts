import type { Database } from '../../src/platform/db/client.js';
import {
  contacts,
  conversations,
  inboxes,
  supportConversations,
  supportRatings,
} from '../../src/platform/db/schema/index.js';
import { newId } from '../../src/platform/ids.js';

/** One rating to write: its inbox and labels, who answered it, its value, comment and time. */
export interface RatingSpec {
  readonly inbox: string;
  readonly labels?: readonly string[];
  /** A key of `operators`, or undefined: the AI alone answered. */
  readonly operator?: string;
  readonly rating: number;
  readonly comment?: string;
  readonly contactName?: string | null;
  readonly at: string;
}

export interface SeededRatings {
  readonly inboxIds: Record<string, string>;
  /** Per spec, in order: the rated support conversation's id. */
  readonly supportIds: string[];
}

/**
 * Ratings written straight into the raw tables (inboxes, contacts, conversations, support conversations),
 * so the tests can state every expected figure from the specs.
 */
export async function seedRatings(
  db: Database,
  tenant: { tenantId: string; ownerId: string; operators: Record<string, string> },
  inboxNames: readonly string[],
  specs: readonly RatingSpec[],
): Promise<SeededRatings> {
  const { tenantId } = tenant;
  const inboxIds: Record<string, string> = {};
  for (const name of inboxNames) {
    inboxIds[name] = newId();
    await db.insert(inboxes).values({
      id: inboxIds[name],
      tenantId,
      name,
      widgetTitle: name,
      widgetColor: '#123456',
      handoffKeywords: [],
      onAiFailure: 'handover',
      encryptedSigningSecret: 'not-used-here',
      signingSecretRotatedAt: new Date(),
    });
  }
  const supportIds: string[] = [];
  for (const spec of specs) {
    const contactId = newId();
    await db.insert(contacts).values({ id: contactId, tenantId, name: spec.contactName ?? null });
    const conversationId = newId();
    await db.insert(conversations).values({ id: conversationId, tenantId, ownerId: tenant.ownerId });
    const supportId = newId();
    const operatorId = spec.operator ? tenant.operators[spec.operator]! : null;
    await db.insert(supportConversations).values({
      id: supportId,
      tenantId,
      inboxId: inboxIds[spec.inbox]!,
      contactId,
      conversationId,
      status: 'resolved',
      assigneeId: operatorId,
      labels: [...(spec.labels ?? [])],
    });
    await db.insert(supportRatings).values({
      supportConversationId: supportId,
      tenantId,
      rating: spec.rating,
      comment: spec.comment ?? null,
      operatorId,
      isAiOnly: operatorId === null,
      createdAt: new Date(spec.at),
    });
    supportIds.push(supportId);
  }
  return { inboxIds, supportIds };
}
