import { useQuery } from '@tanstack/react-query';
import { useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { useServices } from '../../app-context';
import { ErrorNotice } from '../../ui/error-notice';
import { excerpt } from '../../ui/format';
import { useExclusiveMutation } from '../../ui/use-exclusive-mutation';
import { insertCannedResponse, matchingCannedResponses, shortcodeAtCaret } from './canned-shortcodes';
import { supportBase, supportKeys, type CannedResponse, type SupportMessage } from './support-api';

/**
 * The operator's reply: typing `/code` offers the canned responses starting with it (Enter or Tab
 * inserts the highlighted one, Escape dismisses), "Suggest a reply" fills the box with the AI's draft
 * to edit, Send posts it to the contact.
 */
export function ReplyBox(props: { supportId: string; canReply: boolean; onSent: () => void; onTyping?: () => void }) {
  const { api } = useServices();
  const listId = useId();
  const textarea = useRef<HTMLTextAreaElement>(null);
  const [text, setText] = useState('');
  const [caret, setCaret] = useState(0);
  const [highlighted, setHighlighted] = useState(0);
  const [isDismissed, setIsDismissed] = useState(false);
  const canned = useQuery({
    queryKey: supportKeys.cannedResponses,
    queryFn: () => api.get<{ items: CannedResponse[] }>('/v1/canned-responses'),
    staleTime: 60_000,
  });

  const typed = shortcodeAtCaret(text, caret);
  const suggestions = typed && !isDismissed ? matchingCannedResponses(canned.data?.items ?? [], typed.query) : [];
  const active = suggestions[Math.min(highlighted, suggestions.length - 1)];

  const send = useExclusiveMutation({
    mutationFn: (content: string) =>
      api.post<SupportMessage>(`${supportBase}/${props.supportId}/messages`, {
        content,
        clientMessageId: crypto.randomUUID(),
      }),
    onSuccess: () => {
      setText('');
      props.onSent();
    },
  });
  const suggest = useExclusiveMutation({
    mutationFn: () => api.post<{ draft: string }>(`${supportBase}/${props.supportId}/reply-suggestion`),
    onSuccess: ({ draft }) => {
      setText(draft);
      textarea.current?.focus();
    },
  });

  function update(value: string, at: number) {
    setText(value);
    setCaret(at);
    setHighlighted(0);
    setIsDismissed(false);
  }

  function insert(response: CannedResponse) {
    if (!typed) return;
    const next = insertCannedResponse(text, typed.start, caret, response.content);
    update(next.text, next.caret);
    requestAnimationFrame(() => textarea.current?.setSelectionRange(next.caret, next.caret));
    textarea.current?.focus();
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (suggestions.length === 0 || !active) return;
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : suggestions.length - 1;
      setHighlighted((highlighted + step) % suggestions.length);
    } else if (event.key === 'Enter' || event.key === 'Tab') {
      event.preventDefault();
      insert(active);
    } else if (event.key === 'Escape') {
      event.stopPropagation();
      setIsDismissed(true);
    }
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (text.trim()) send.mutate(text.trim());
  }

  if (!props.canReply) {
    return <p className="muted read-only-notice">The conversation is resolved; reopen it to reply.</p>;
  }
  return (
    <form className="stack reply-box" onSubmit={submit} aria-label="Reply to the contact">
      {send.error ? <ErrorNotice error={send.error} /> : null}
      {suggest.error ? <ErrorNotice error={suggest.error} /> : null}
      <label htmlFor={`${listId}-text`}>Reply</label>
      <textarea
        id={`${listId}-text`}
        ref={textarea}
        rows={3}
        value={text}
        maxLength={10_000}
        placeholder="Write a reply; type / for canned responses"
        role="combobox"
        aria-expanded={suggestions.length > 0}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={active ? `${listId}-${active.id}` : undefined}
        onChange={(event) => {
          update(event.target.value, event.target.selectionStart);
          props.onTyping?.();
        }}
        onSelect={(event) => setCaret(event.currentTarget.selectionStart)}
        onKeyDown={onKeyDown}
      />
      <ul id={listId} role="listbox" aria-label="Canned responses" className="canned-list" hidden={!suggestions.length}>
        {suggestions.map((response) => (
          <li
            key={response.id}
            id={`${listId}-${response.id}`}
            role="option"
            aria-selected={response === active}
            onMouseDown={(event) => {
              event.preventDefault();
              insert(response);
            }}
          >
            <code>/{response.shortcode}</code> <span className="muted">{excerpt(response.content, 80)}</span>
          </li>
        ))}
      </ul>
      <div className="row">
        <button type="button" onClick={() => suggest.mutate()} disabled={suggest.isPending}>
          {suggest.isPending ? 'Suggesting…' : 'Suggest a reply'}
        </button>
        <span className="spacer" />
        <button type="submit" className="primary" disabled={send.isPending || !text.trim()}>
          {send.isPending ? 'Sending…' : 'Send'}
        </button>
      </div>
    </form>
  );
}
