import type { ReactNode } from 'react';
import { Dialog } from './dialog';
import { ErrorNotice } from './error-notice';

/** "Delete X?" with the consequence spelled out; the server's sentence shows here if it refuses. */
export function ConfirmDialog(props: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  isBusy: boolean;
  error: unknown;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  return (
    <Dialog title={props.title} onClose={props.onCancel}>
      <div className="stack">
        <div>{props.children}</div>
        {props.error !== null && props.error !== undefined && <ErrorNotice error={props.error} />}
        <div className="row dialog-actions">
          <button type="button" onClick={props.onCancel} data-autofocus>
            Cancel
          </button>
          <button type="button" className="danger-solid" onClick={props.onConfirm} disabled={props.isBusy}>
            {props.isBusy ? 'Please wait…' : props.confirmLabel}
          </button>
        </div>
      </div>
    </Dialog>
  );
}
