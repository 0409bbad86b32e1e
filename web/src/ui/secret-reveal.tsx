import { useState, type ReactNode } from 'react';
import { Dialog } from './dialog';

/**
 * A secret the server sends once (a new API key, a signing secret on creation or rotation), with Copy.
 * Closing forgets it: the caller drops it from its state, and nothing else (cache, storage) ever held it.
 */
export function SecretReveal(props: {
  title: string;
  /** The text box's accessible name, e.g. "New API key". */
  label: string;
  /** What the copy failure names: "key", "secret". */
  noun: string;
  secret: string;
  rows?: number;
  /** What to do with it, shown above it. */
  children: ReactNode;
  onClose: () => void;
}) {
  const [copyState, setCopyState] = useState<'idle' | 'copied' | 'failed'>('idle');

  async function copy() {
    try {
      await navigator.clipboard.writeText(props.secret);
      setCopyState('copied');
    } catch {
      setCopyState('failed');
    }
  }

  return (
    <Dialog title={props.title} onClose={props.onClose}>
      <div className="stack">
        <p>{props.children}</p>
        <textarea
          aria-label={props.label}
          className="secret-value"
          value={props.secret}
          rows={props.rows ?? 2}
          readOnly
          spellCheck={false}
          onFocus={(event) => event.currentTarget.select()}
          data-autofocus
        />
        <p className="muted" role="status">
          {copyState === 'copied'
            ? 'Copied to the clipboard.'
            : copyState === 'failed'
              ? `The browser did not allow copying; select the ${props.noun} and copy it yourself.`
              : ''}
        </p>
        <div className="row dialog-actions">
          <button type="button" className="primary" onClick={() => void copy()}>
            Copy
          </button>
          <span className="spacer" />
          <button type="button" onClick={props.onClose}>
            Done
          </button>
        </div>
      </div>
    </Dialog>
  );
}
