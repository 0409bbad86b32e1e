import type { Actor } from '../../access/actor.js';
import type { Database } from '../../platform/db/client.js';
import { AppError, notFound } from '../../platform/errors.js';
import { readCompanionSettings } from '../agents/companion-settings.js';
import type { ConversationsService } from '../conversations/index.js';
import type { CompanionRepository, ReadSide } from './companion.repository.js';
import type { MarkReadInput, ReadReceiptView } from './companion.schemas.js';

/** What the conversation's watchers hear when someone reads it (the realtime `read` frame). */
export interface ReadEvent {
  readonly tenantId: string;
  readonly ownerId: string;
  readonly conversationId: string;
  readonly readerId: string;
  readonly side: ReadSide;
  readonly readThroughMessageId: string;
  readonly readAt: string;
}

export interface ReadReceiptsServiceDeps {
  readonly db: Database;
  readonly repository: CompanionRepository;
  readonly conversations: Pick<ConversationsService, 'findVisible'>;
  /** Told of every read of an agent with receipts on, for live watchers (realtime). */
  readonly onRead?: (read: ReadEvent) => void;
  readonly now?: () => Date;
}

/**
 * Read receipts (docs/companion.md). Only this explicit call marks anything read: reading a
 * conversation or its messages through GET never does.
 */
export function createReadReceiptsService(deps: ReadReceiptsServiceDeps) {
  const { db, repository } = deps;
  const now = deps.now ?? (() => new Date());

  return {
    async markRead(actor: Actor, conversationId: string, input: MarkReadInput): Promise<ReadReceiptView> {
      const conversation = await deps.conversations.findVisible(actor, conversationId);
      if (!(await repository.isMessageIn(db, actor.tenantId, conversationId, input.upToMessageId))) {
        throw new AppError(
          'not_found',
          `Message '${input.upToMessageId}' was not found in conversation '${conversationId}'`,
        );
      }
      const context = await repository.conversationContext(db, actor.tenantId, conversationId);
      if (!context) throw notFound('Conversation', conversationId);
      // A conversation whose agent was deleted keeps the defaults: receipts on.
      const keepsReceipts = readCompanionSettings(context.companion).readReceipts;
      // The owner reads the agent's messages; an operator or admin looking in reads the owner's.
      const side: ReadSide = conversation.ownerId === actor.userId ? 'owner' : 'others';
      const readAt = now();
      const read = await repository.markRead(db, {
        tenantId: actor.tenantId,
        conversationId,
        upToMessageId: input.upToMessageId,
        side,
        readAt,
        keepsReceipts,
      });
      if (!read) throw notFound('Conversation', conversationId);
      const receipt = { conversationId, ...read, readAt: readAt.toISOString() };
      if (keepsReceipts) {
        deps.onRead?.({
          tenantId: actor.tenantId,
          ownerId: conversation.ownerId,
          conversationId,
          readerId: actor.userId,
          side,
          readThroughMessageId: read.readThroughMessageId,
          readAt: receipt.readAt,
        });
      }
      return receipt;
    },
  };
}

export type ReadReceiptsService = ReturnType<typeof createReadReceiptsService>;
