import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useServices } from '../../app-context';
import type { Memory } from '../agents/memories-page';
import { ErrorNotice } from '../../ui/error-notice';

const contactMemoryKeys = { list: (contactId: string) => ['contacts', contactId, 'memories'] as const };
const contactMemoriesPath = (contactId: string) => `/v1/contacts/${encodeURIComponent(contactId)}/memories`;

/**
 * What the AI remembers about this contact (inboxes with memory on): the contact's own facts, never
 * another contact's. An operator can make it forget one, as a data request may ask.
 */
export function ContactMemories({ contactId }: { contactId: string }) {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const memories = useQuery({
    queryKey: contactMemoryKeys.list(contactId),
    queryFn: () => api.get<{ items: Memory[] }>(contactMemoriesPath(contactId)),
  });
  const forget = useMutation({
    mutationFn: (memoryId: string) => api.delete(`${contactMemoriesPath(contactId)}/${encodeURIComponent(memoryId)}`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: contactMemoryKeys.list(contactId) }),
  });
  if (memories.isPending) return <p className="muted state-text">Loading what the AI remembers…</p>;
  if (memories.isError) return <ErrorNotice error={memories.error} onRetry={() => void memories.refetch()} />;
  if (memories.data.items.length === 0) {
    return <p className="muted">The AI remembers nothing about this contact.</p>;
  }
  return (
    <>
      {forget.isError ? <ErrorNotice error={forget.error} /> : null}
      <ul className="memory-list" aria-label="What the AI remembers about the contact">
        {memories.data.items.map((memory) => (
          <li key={memory.id} className="memory-item row">
            <span className="memory-content">{memory.content}</span>
            <button
              type="button"
              className="danger"
              onClick={() => forget.mutate(memory.id)}
              disabled={forget.isPending}
              aria-label={`Forget "${memory.content}"`}
            >
              Forget
            </button>
          </li>
        ))}
      </ul>
    </>
  );
}
