import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../../platform/db/client.js';
import {
  conversations,
  mcpServers,
  mcpTools,
  messages,
  type StoredToolCall,
} from '../../../platform/db/schema/index.js';
import { inTenant } from '../../../platform/db/tenant-scope.js';

/** An MCP tool an agent may call, as the tool loop offers it to the model. */
export interface AgentMcpTool {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly inputSchema: Record<string, unknown>;
  readonly approval: 'auto' | 'needs_approval';
}

/** The SQL of agent tools in chat: only turns of agents with tools run it (ADR 7's hot path stays as it was). */
export function createChatToolsRepository() {
  return {
    /** These MCP tools of the tenant that can run now: the tool and its server enabled. */
    async findUsableMcpTools(db: Executor, tenantId: string, toolIds: readonly string[]): Promise<AgentMcpTool[]> {
      if (toolIds.length === 0) return [];
      return (
        db
          .select({
            id: mcpTools.id,
            name: mcpTools.name,
            description: mcpTools.description,
            inputSchema: mcpTools.inputSchema,
            approval: mcpTools.approval,
          })
          .from(mcpTools)
          .innerJoin(mcpServers, and(eq(mcpServers.id, mcpTools.serverId), eq(mcpServers.tenantId, mcpTools.tenantId)))
          .where(
            inTenant(
              mcpTools,
              tenantId,
              inArray(mcpTools.id, [...toolIds]),
              eq(mcpTools.enabled, true),
              eq(mcpServers.enabled, true),
            ),
          )
          // The same tools get the same names (turn-tools.ts gives a repeated name a suffix) on every turn.
          .orderBy(mcpTools.id)
      );
    },

    /** The reply's tool calls; written with its outcome, in the same transaction. */
    async setToolCalls(db: Executor, tenantId: string, messageId: string, toolCalls: StoredToolCall[]): Promise<void> {
      await db
        .update(messages)
        .set({ toolCalls })
        .where(inTenant(messages, tenantId, eq(messages.id, messageId)));
    },

    /**
     * Records a decision on a call the reply awaits, only if the reply still reads as the caller saw it
     * (status and calls): of two decisions racing, one wins and the other changes nothing. The reply
     * goes back to `streaming` when no call awaits any more, claimed by the request that continues it.
     * Answers the reply's seq as recorded (a new one when it goes back to `streaming`: the status change
     * takes the conversation's next seq, messages_take_seq), or undefined when the decision lost.
     */
    /** Records a decision on `db`, a transaction (a decision that leaves calls waiting takes a seq too). */
    async recordDecision(
      db: Executor,
      decision: {
        readonly tenantId: string;
        readonly messageId: string;
        readonly seen: StoredToolCall[];
        readonly next: StoredToolCall[];
        readonly isContinuing: boolean;
      },
    ): Promise<{ seq: number } | undefined> {
      const [row] = await db
        .update(messages)
        .set({
          toolCalls: decision.next,
          ...(decision.isContinuing && { status: 'streaming', completedAt: null, aliveAt: new Date() }),
        })
        .where(
          inTenant(
            messages,
            decision.tenantId,
            eq(messages.id, decision.messageId),
            eq(messages.status, 'awaiting_approval'),
            sql`${messages.toolCalls} = ${JSON.stringify(decision.seen)}::jsonb`,
          ),
        )
        .returning({ seq: messages.seq, conversationId: messages.conversationId });
      if (!row || decision.isContinuing) return row && { seq: row.seq };
      // Other calls still wait, so the status stays and its trigger takes no seq: the decision takes the
      // conversation's next one here, after the row above (the trigger's order), for watchers to get the
      // reply's new state in its place. `db` is a transaction: the seq commits with the decision or not at all.
      const [log] = await db
        .update(conversations)
        .set({ lastSeq: sql`${conversations.lastSeq} + 1` })
        .where(eq(conversations.id, row.conversationId))
        .returning({ seq: conversations.lastSeq });
      await db.update(messages).set({ seq: log!.seq }).where(eq(messages.id, decision.messageId));
      return { seq: log!.seq };
    },
  };
}

export type ChatToolsRepository = ReturnType<typeof createChatToolsRepository>;
