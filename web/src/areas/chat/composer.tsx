import { useId, useRef, type FormEvent, type KeyboardEvent } from 'react';

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
}) {
  const inputId = useId();
  const box = useRef<HTMLTextAreaElement>(null);
  const text = props.draft.trim();

  // Send and Stop replace each other, so a click on either would leave focus nowhere: it goes back to the box.
  function send() {
    if (props.isBusy || !text) return;
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
        <button type="submit" className="primary composer-button" disabled={!text}>
          Send
        </button>
      )}
    </form>
  );
}
