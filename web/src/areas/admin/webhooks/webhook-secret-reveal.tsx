import { useState } from 'react';
import { Dialog } from '../../../ui/dialog';

/**
 * Shows a webhook's signing secret the one time the server sends it (creation, rotation). Closing
 * forgets it: the caller drops it from its state, and nothing else ever held it.
 */
export function WebhookSecretReveal(props: { title: string; secret: string; onClose: () => void }) {
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
        <p>
          Copy this signing secret into your receiver now: it won't be shown again. Verify each delivery with it (
          <code>new Webhook(secret).verify(body, headers)</code> from the <code>standardwebhooks</code> package).
        </p>
        <textarea
          aria-label="Signing secret"
          className="secret-value"
          value={props.secret}
          rows={2}
          readOnly
          spellCheck={false}
          onFocus={(event) => event.currentTarget.select()}
          data-autofocus
        />
        <p className="muted" role="status">
          {copyState === 'copied'
            ? 'Copied to the clipboard.'
            : copyState === 'failed'
              ? 'The browser did not allow copying; select the secret and copy it yourself.'
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
