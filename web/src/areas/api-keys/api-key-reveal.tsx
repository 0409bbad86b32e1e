import { useState } from 'react';
import { Dialog } from '../../ui/dialog';

/**
 * Shows a new API key the one time the server sends it. Closing forgets it: the caller drops the key
 * from its state, and nothing else (cache, storage) ever held it.
 */
export function ApiKeyReveal(props: { name: string; apiKey: string; onClose: () => void }) {
  const [copyState, setCopyState] = useState<'idle' | 'copied' | 'failed'>('idle');

  async function copy() {
    try {
      await navigator.clipboard.writeText(props.apiKey);
      setCopyState('copied');
    } catch {
      setCopyState('failed');
    }
  }

  return (
    <Dialog title={`API key ${props.name} created`} onClose={props.onClose}>
      <div className="stack">
        <p>Copy this key now and keep it somewhere safe: it won't be shown again.</p>
        <textarea
          aria-label="New API key"
          className="secret-value"
          value={props.apiKey}
          rows={3}
          readOnly
          spellCheck={false}
          onFocus={(event) => event.currentTarget.select()}
          data-autofocus
        />
        <p className="muted" role="status">
          {copyState === 'copied'
            ? 'Copied to the clipboard.'
            : copyState === 'failed'
              ? 'The browser did not allow copying; select the key and copy it yourself.'
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
