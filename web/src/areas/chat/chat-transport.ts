import { DefaultChatTransport } from 'ai';
import type { AuthedFetch } from '../../api/api-client';
import { messagesPath } from './chat-api';
import { messageText, type ChatMessage } from './chat-messages';

/**
 * A decision on a tool call, passed as the request body of `sendMessage(undefined, { body })`: the
 * server records it and streams the rest of the same reply.
 */
export interface ToolApprovalDecision {
  toolApproval: { messageId: string; toolCallId: string; approved: boolean };
}

const isToolApprovalDecision = (body: object | undefined): body is ToolApprovalDecision =>
  body !== undefined && 'toolApproval' in body;

/**
 * useChat's transport for one conversation. The server owns the history, so a send posts only the
 * new message as `{ content }` (with `fileIds` when files are attached); regenerating a reply is the
 * retry endpoint for that (failed) reply; a tool approval is the tool-approvals endpoint of the reply
 * that waits for it. Requests go through the app's authedFetch, which attaches the token and
 * refreshes it on a 401.
 */
export function createChatTransport(conversationId: string, authedFetch: AuthedFetch) {
  const api = messagesPath(conversationId);
  const headers = { accept: 'text/event-stream' };
  return new DefaultChatTransport<ChatMessage>({
    api,
    fetch: authedFetch,
    prepareSendMessagesRequest: ({ trigger, messageId, messages, body }) => {
      if (trigger === 'regenerate-message' && messageId) {
        return { api: `${api}/${encodeURIComponent(messageId)}/retry`, body: {}, headers };
      }
      if (isToolApprovalDecision(body)) {
        const decision = body.toolApproval;
        return {
          api: `${api}/${encodeURIComponent(decision.messageId)}/tool-approvals`,
          body: { toolCallId: decision.toolCallId, approved: decision.approved },
          headers,
        };
      }
      const last = messages.at(-1);
      const fileIds = last?.metadata?.attachments?.map((attachment) => attachment.fileId) ?? [];
      const content = last ? messageText(last) : '';
      return { body: fileIds.length > 0 ? { content, fileIds } : { content }, headers };
    },
  });
}
