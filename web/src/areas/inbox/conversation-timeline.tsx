import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { useServices } from '../../app-context';
import type { ApiClient } from '../../api/api-client';
import { ErrorNotice } from '../../ui/error-notice';
import { formatDateTime } from '../../ui/format';
import { StoppedMarker } from '../../ui/stopped-marker';
import { useRealtimeStatus } from '../../realtime/use-realtime';
import { useLiveSignals } from './live-signals';
import { SupportFile, SupportImage } from './support-image';
import { buildTimeline } from './timeline';
import {
  type MessagePage,
  supportBase,
  supportKeys,
  type SupportConversation,
  type SupportEvent,
  type SupportMessage,
} from './support-api';

const authorLabels: Record<SupportMessage['role'], string> = {
  contact: 'Contact',
  assistant: 'AI',
  operator: 'Operator',
  system: 'System',
};

/** Enough for any support conversation; the newest are last, so a page is never left unread below it. */
const maxMessagePages = 25;

/** Every line of the conversation, oldest first, page after page (`after` = the last page's cursor). */
async function readAllMessages(api: ApiClient, supportId: string): Promise<SupportMessage[]> {
  const items: SupportMessage[] = [];
  let after: string | null | undefined;
  for (let page = 0; page < maxMessagePages; page += 1) {
    const params = new URLSearchParams({ limit: '200' });
    if (after) params.set('after', after);
    const answer = await api.get<MessagePage>(`${supportBase}/${supportId}/messages?${params.toString()}`);
    items.push(...answer.items);
    after = answer.nextCursor;
    if (!after) break;
  }
  return items;
}

/** Without the socket the history is read again this often, so new messages still arrive. */
const pollWithoutSocketMs = 15_000;

/**
 * The conversation as the contact lived it: their messages, the AI's and operators' replies, and the
 * status changes between them. New messages arrive over the console's socket (`message-created` on
 * the linked chat); without a socket the history is polled.
 */
export function ConversationTimeline({ conversation }: { conversation: SupportConversation }) {
  const { api, realtime } = useServices();
  const queryClient = useQueryClient();
  const socketStatus = useRealtimeStatus();
  const refetchInterval = socketStatus === 'open' ? false : pollWithoutSocketMs;
  const messages = useQuery({
    queryKey: supportKeys.messages(conversation.id),
    queryFn: () => readAllMessages(api, conversation.id),
    refetchInterval,
  });
  const events = useQuery({
    queryKey: supportKeys.events(conversation.id),
    queryFn: () => api.get<{ items: SupportEvent[] }>(`${supportBase}/${conversation.id}/events`),
    refetchInterval,
  });
  const end = useRef<HTMLDivElement>(null);

  const chatId = conversation.conversationId;
  useEffect(() => {
    if (!realtime || !chatId) return undefined;
    return realtime.subscribe(chatId, (event) => {
      if (event.type === 'message-created') {
        void queryClient.invalidateQueries({ queryKey: supportKeys.messages(conversation.id) });
      }
    });
  }, [realtime, chatId, conversation.id, queryClient]);

  const { typist } = useLiveSignals(conversation.id, chatId, messages.data ?? []);
  const count = messages.data?.length ?? 0;
  useEffect(() => {
    end.current?.scrollIntoView?.({ block: 'end' });
  }, [count]);

  if (messages.isPending || events.isPending) return <p className="muted state-text">Loading the conversation…</p>;
  // One of the two failing still shows the other: the status changes without the messages, or the reverse.
  const timeline = buildTimeline(messages.data ?? [], events.data?.items ?? []);
  // "Seen" under the newest reply to the contact, once the widget says they read it.
  const lastReply = [...(messages.data ?? [])]
    .reverse()
    .find((message) => message.role === 'operator' || message.role === 'assistant');
  return (
    <div className="support-timeline" role="log" aria-label="Conversation with the contact">
      {messages.isError && <ErrorNotice error={messages.error} onRetry={() => void messages.refetch()} />}
      {events.isError && <ErrorNotice error={events.error} onRetry={() => void events.refetch()} />}
      {timeline.length === 0 && !messages.isError && <p className="muted state-text">No messages yet.</p>}
      {timeline.map((entry) =>
        entry.kind === 'system' ? (
          <p key={entry.id} className="support-system-line">
            {entry.text} <time dateTime={entry.at}>{formatDateTime(entry.at)}</time>
          </p>
        ) : (
          <article
            key={entry.id}
            className={`support-message support-message-${entry.message.role}`}
            aria-label={entry.message.authorName ?? authorLabels[entry.message.role]}
          >
            <div className="message-meta">
              <strong>{entry.message.authorName ?? authorLabels[entry.message.role]}</strong>{' '}
              <time dateTime={entry.at}>{formatDateTime(entry.at)}</time>
            </div>
            {entry.message.content ? <p>{entry.message.content}</p> : null}
            {entry.message.status === 'stopped' ? <StoppedMarker /> : null}
            {entry.message.images?.map((image) => (
              <SupportImage key={image.fileId} fileId={image.fileId} filename={image.filename} />
            ))}
            {entry.message.files?.length ? (
              <ul className="support-files" aria-label="Attachments">
                {entry.message.files.map((file) => (
                  <li key={file.fileId}>
                    <SupportFile fileId={file.fileId} filename={file.filename} />
                  </li>
                ))}
              </ul>
            ) : null}
            {entry.message.id === lastReply?.id && lastReply.readAt ? <p className="muted support-seen">Seen</p> : null}
          </article>
        ),
      )}
      <p className="muted support-typing" aria-live="polite">
        {typist ? `${typist} is typing…` : ''}
      </p>
      <div ref={end} />
    </div>
  );
}
