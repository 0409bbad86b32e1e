import type { AttachmentPart, TextMessage } from '../../../ai/model-call.js';
import type { StoredAttachment } from '../../../platform/db/schema/index.js';
import type { HistoryMessage } from '../chat.repository.js';

/** What a model is given for messages' files (the files module). */
export type AttachmentPartsSource = (
  tenantId: string,
  attachments: readonly StoredAttachment[],
) => Promise<AttachmentPart[]>;

/** A user message with files; checked synchronously so a turn without any awaits nothing for them. */
export const carriesFiles = (message: HistoryMessage): boolean =>
  message.role === 'user' && (message.attachments?.length ?? 0) > 0;

/** The model parts of every file in the history, by message; undefined (and no I/O) when there are none. */
export async function attachmentPartsOf(
  attachmentParts: AttachmentPartsSource | undefined,
  tenantId: string,
  history: readonly HistoryMessage[],
): Promise<ReadonlyMap<HistoryMessage, readonly AttachmentPart[]> | undefined> {
  const carrying = history.filter(carriesFiles);
  if (carrying.length === 0 || !attachmentParts) return undefined;
  const parts = await attachmentParts(
    tenantId,
    carrying.flatMap((message) => message.attachments ?? []),
  );
  const byMessage = new Map<HistoryMessage, readonly AttachmentPart[]>();
  let offset = 0;
  for (const message of carrying) {
    const count = message.attachments?.length ?? 0;
    byMessage.set(message, parts.slice(offset, offset + count));
    offset += count;
  }
  return byMessage;
}

/**
 * Stored history as model messages, from the first user message (chooseWindow, history-window.ts, has
 * already put any reply before it in the system prompt, so nothing is dropped here).
 * Assistant messages in a row (a split reply's bubbles) are one reply to the model, a blank line apart.
 */
export function toModelMessages(
  history: readonly HistoryMessage[],
  attachmentParts?: ReadonlyMap<HistoryMessage, readonly AttachmentPart[]>,
): TextMessage[] {
  const firstUser = history.findIndex((message) => message.role === 'user');
  if (firstUser < 0) return [];
  return joinAssistantRuns(eachAsModelMessage(history.slice(firstUser), attachmentParts));
}

function joinAssistantRuns(messages: readonly TextMessage[]): TextMessage[] {
  const joined: TextMessage[] = [];
  for (const message of messages) {
    const previous = joined.at(-1);
    if (message.role === 'assistant' && previous?.role === 'assistant') {
      joined[joined.length - 1] = { role: 'assistant', content: `${previous.content}\n\n${message.content}` };
    } else joined.push(message);
  }
  return joined;
}

function eachAsModelMessage(
  history: readonly HistoryMessage[],
  attachmentParts: ReadonlyMap<HistoryMessage, readonly AttachmentPart[]> | undefined,
): TextMessage[] {
  return history.flatMap((message): TextMessage[] => {
    switch (message.role) {
      case 'user': {
        const attachments = attachmentParts?.get(message);
        return [
          attachments
            ? { role: 'user', content: message.content, attachments }
            : { role: 'user', content: message.content },
        ];
      }
      case 'assistant':
        return [{ role: 'assistant', content: message.content }];
      case 'system':
        return [];
    }
  });
}
