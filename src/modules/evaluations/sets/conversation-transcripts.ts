import type { Actor } from '../../../access/actor.js';
import type { ConversationTranscripts, TranscriptLine } from './conversation-case.js';

/** The conversations' and the desk's own reads, each checking who may read what (404 otherwise). */
export interface TranscriptSources {
  readonly chatHistory: (
    actor: Actor,
    conversationId: string,
    query: { limit: number },
  ) => Promise<{
    items: readonly { id: string; role: string; content: string; citations: readonly { documentTitle: string }[] }[];
  }>;
  readonly deskLines: (
    actor: Actor,
    supportConversationId: string,
    query: { limit: number },
  ) => Promise<{
    items: readonly { id: string; role: string; content: string; event?: { action: string } | undefined }[];
  }>;
}

/** The latest messages are enough: a case keeps the question and the five before it. */
const linesRead = 100;

export function createConversationTranscripts(sources: TranscriptSources): ConversationTranscripts {
  return {
    async chat(actor, conversationId) {
      const { items } = await sources.chatHistory(actor, conversationId, { limit: linesRead });
      return items.flatMap((message): TranscriptLine[] =>
        message.role === 'user' || message.role === 'assistant'
          ? [
              {
                id: message.id,
                role: message.role,
                content: message.content,
                citedSources: message.citations.map((citation) => citation.documentTitle),
              },
            ]
          : [],
      );
    },
    async desk(actor, supportConversationId) {
      const { items } = await sources.deskLines(actor, supportConversationId, { limit: 200 });
      return items.flatMap((line): TranscriptLine[] => {
        if (line.role === 'contact') return [{ id: line.id, role: 'user', content: line.content, citedSources: [] }];
        if (line.role === 'assistant')
          return [{ id: line.id, role: 'assistant', content: line.content, citedSources: [] }];
        if (line.event?.action === 'request_human')
          return [{ id: line.id, role: 'handoff', content: '', citedSources: [] }];
        return [];
      });
    },
  };
}
