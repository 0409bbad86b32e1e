import { useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { useServices } from '../../app-context';
import { ErrorNotice } from '../../ui/error-notice';
import { useExclusiveMutation } from '../../ui/use-exclusive-mutation';
import { supportBase, supportKeys, type SupportConversation } from './support-api';

/** A conversation's labels: add one by name, remove one with its ×; each change replaces the whole set. */
export function LabelsEditor({ conversation }: { conversation: SupportConversation }) {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const inputId = useId();
  const [label, setLabel] = useState('');
  const save = useExclusiveMutation({
    mutationFn: (labels: string[]) =>
      api.put<SupportConversation>(`${supportBase}/${conversation.id}/labels`, { labels }),
    onSuccess: async (updated) => {
      setLabel('');
      queryClient.setQueryData(supportKeys.conversation(updated.id), updated);
      await queryClient.invalidateQueries({ queryKey: ['support', 'queue'] });
    },
  });

  function add(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const name = label.trim();
    if (name && !conversation.labels.includes(name)) save.mutate([...conversation.labels, name]);
  }

  return (
    <div className="stack labels-editor">
      <ul className="label-list" aria-label="Labels">
        {conversation.labels.map((name) => (
          <li key={name} className="badge label-chip">
            {name}
            <button
              type="button"
              className="link"
              aria-label={`Remove label ${name}`}
              onClick={() => save.mutate(conversation.labels.filter((each) => each !== name))}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
      <form className="row input-with-action" onSubmit={add}>
        <label htmlFor={inputId} className="visually-hidden">
          New label
        </label>
        <input
          id={inputId}
          value={label}
          maxLength={40}
          placeholder="Add a label"
          onChange={(event) => setLabel(event.target.value)}
        />
        <button type="submit" disabled={save.isPending || !label.trim()}>
          Add label
        </button>
      </form>
      {save.error ? <ErrorNotice error={save.error} /> : null}
    </div>
  );
}
