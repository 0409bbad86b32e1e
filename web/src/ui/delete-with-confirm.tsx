import { useState, type ReactNode } from 'react';
import { ConfirmDialog } from './confirm-dialog';
import { useExclusiveMutation } from './use-exclusive-mutation';

/**
 * A page's Delete button: it asks first (the consequence in `children`), shows the server's sentence if
 * it refuses, and calls `onDeleted` (leave the page, refresh lists) once the delete went through.
 */
export function DeleteWithConfirm(props: {
  title: string;
  confirmLabel: string;
  children: ReactNode;
  onDelete: () => Promise<unknown>;
  onDeleted: () => Promise<void>;
}) {
  const [isConfirming, setIsConfirming] = useState(false);
  const remove = useExclusiveMutation({ mutationFn: props.onDelete, onSuccess: props.onDeleted });
  return (
    <>
      <button
        type="button"
        className="danger"
        onClick={() => {
          remove.reset();
          setIsConfirming(true);
        }}
      >
        Delete
      </button>
      {isConfirming && (
        <ConfirmDialog
          title={props.title}
          confirmLabel={props.confirmLabel}
          isBusy={remove.isPending}
          error={remove.error}
          onConfirm={() => remove.mutate()}
          onCancel={() => setIsConfirming(false)}
        >
          {props.children}
        </ConfirmDialog>
      )}
    </>
  );
}
