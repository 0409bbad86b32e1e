import { useId, useRef, type FormEvent, type KeyboardEvent } from 'react';
import { PaperclipIcon } from '../../ui/paperclip-icon';
import { maxAttachments, type Attachments } from './use-attachments';

const maxMessageChars = 32_000;

/** On a phone, focusing the box on arrival would throw the keyboard over the conversation. */
const isWideScreen = () => typeof window.matchMedia === 'function' && window.matchMedia('(min-width: 721px)').matches;

/** The message box: Enter sends, Shift+Enter starts a new line; while a reply streams, Stop replaces Send. */
export function Composer(props: {
  draft: string;
  onDraftChange: (draft: string) => void;
  onSend: (text: string) => void;
  onStop: () => void;
  isBusy: boolean;
  attachments: Attachments;
}) {
  const { attachments } = props;
  const inputId = useId();
  const box = useRef<HTMLTextAreaElement>(null);
  const text = props.draft.trim();

  // Send and Stop replace each other, so a click on either would leave focus nowhere: it goes back to the box.
  function send() {
    if (props.isBusy || !text || attachments.isUploading) return;
    props.onSend(text);
    box.current?.focus();
  }
  function stop() {
    props.onStop();
    box.current?.focus();
  }
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    send();
  }
  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    // isComposing: Enter that confirms an input-method composition (Japanese, Chinese…) is not a send.
    if (event.key !== 'Enter' || event.shiftKey || event.nativeEvent.isComposing) return;
    event.preventDefault();
    send();
  }

  return (
    <form className="composer" onSubmit={submit}>
      {attachments.pending.length > 0 && (
        <ul className="composer-attachments" aria-label="Files to send">
          {attachments.pending.map((each) => (
            <li key={each.key} className={each.error ? 'attachment-chip has-error' : 'attachment-chip'}>
              <span className="attachment-name">{each.filename}</span>
              {each.error !== null ? (
                <span className="field-error" role="alert">
                  {each.error}
                </span>
              ) : (
                each.uploaded === null && (
                  <progress max={1} value={each.fraction} aria-label={`Uploading ${each.filename}`} />
                )
              )}
              <button
                type="button"
                className="link attachment-remove"
                aria-label={`Remove ${each.filename}`}
                onClick={() => attachments.remove(each.key)}
              >
                ✕
              </button>
            </li>
          ))}
        </ul>
      )}
      <label className="button composer-button composer-attach" title="Attach files">
        <PaperclipIcon />
        <input
          className="visually-hidden"
          type="file"
          multiple
          aria-label="Attach files"
          disabled={attachments.pending.length >= maxAttachments}
          onChange={(event) => {
            attachments.add([...(event.target.files ?? [])]);
            event.target.value = '';
          }}
        />
      </label>
      <label className="visually-hidden" htmlFor={inputId}>
        Message
      </label>
      <span className="visually-hidden" id={`${inputId}-hint`}>
        Enter sends; Shift+Enter starts a new line.
      </span>
      <textarea
        ref={box}
        id={inputId}
        value={props.draft}
        onChange={(event) => props.onDraftChange(event.target.value)}
        onKeyDown={onKeyDown}
        placeholder="Write a message…"
        aria-describedby={`${inputId}-hint`}
        rows={1}
        maxLength={maxMessageChars}
        autoFocus={isWideScreen()}
      />
      {props.isBusy ? (
        <button type="button" className="composer-button" onClick={stop}>
          Stop
        </button>
      ) : (
        <button type="submit" className="primary composer-button" disabled={!text || attachments.isUploading}>
          Send
        </button>
      )}
    </form>
  );
}
