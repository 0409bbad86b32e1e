import { Dialog } from '../../ui/dialog';
import { CopyButton } from './copy-button';

/**
 * The inbox's signing secret, the one time the server sends it (on create and on rotate). Closing
 * forgets it: the caller drops it from its state and resets the mutation that carried it.
 */
export function SecretReveal(props: { inboxName: string; secret: string; onClose: () => void }) {
  return (
    <Dialog title={`Signing secret of ${props.inboxName}`} onClose={props.onClose}>
      <div className="stack">
        <p>
          Copy it now and keep it on your server: it signs your users’ ids for identity verification. It won't be shown
          again.
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
        <div className="row dialog-actions">
          <CopyButton text={props.secret} />
          <span className="spacer" />
          <button type="button" onClick={props.onClose}>
            Done
          </button>
        </div>
      </div>
    </Dialog>
  );
}
