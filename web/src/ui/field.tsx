import { useId, type InputHTMLAttributes, type ReactNode } from 'react';
import { ApiError } from '../api/api-error';

/**
 * The server's sentence about one field, from a problem's `errors[]`. A field also collects what the
 * server says about its parts (`models.0` belongs to `models`).
 */
export function fieldMessage(error: unknown, field: string): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  const problem = error.fields.find((item) => item.field === field || item.field.startsWith(`${field}.`));
  return problem?.message;
}

/** What a form control needs to be named by its label and described by its hint and error. */
export interface FieldControlProps {
  id: string;
  'aria-invalid': true | undefined;
  'aria-describedby': string | undefined;
}

/**
 * A labelled form control with an optional hint and the server's error for it. The label is a real
 * <label for>, kept apart from hint and error so the control's accessible name is just the label.
 */
export function Field(props: {
  label: ReactNode;
  /** The name the API gives this field in `errors[].field`. */
  field: string;
  error: unknown;
  hint?: ReactNode;
  children: (control: FieldControlProps) => ReactNode;
}) {
  const id = useId();
  const message = fieldMessage(props.error, props.field);
  const hintId = props.hint ? `${id}-hint` : undefined;
  const errorId = message ? `${id}-error` : undefined;
  const describedBy = [errorId, hintId].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      {props.children({ id, 'aria-invalid': message ? true : undefined, 'aria-describedby': describedBy })}
      {message && (
        <span id={errorId} className="field-error">
          {message}
        </span>
      )}
      {props.hint && (
        <span id={hintId} className="field-hint muted">
          {props.hint}
        </span>
      )}
    </div>
  );
}

/** A group of radio buttons or checkboxes with its legend and the server's error for the group. */
export function FieldGroup(props: { legend: ReactNode; field: string; error: unknown; children: ReactNode }) {
  const message = fieldMessage(props.error, props.field);
  return (
    <fieldset className="field-group" aria-invalid={message ? true : undefined}>
      <legend>{props.legend}</legend>
      {props.children}
      {message && <span className="field-error">{message}</span>}
    </fieldset>
  );
}

/**
 * The common case of Field: a controlled single-line <input> whose value is a string. Any other input
 * attribute (type, required, maxLength, autoComplete…) passes through.
 */
export function TextField(
  props: {
    label: ReactNode;
    field: string;
    error: unknown;
    hint?: ReactNode;
    value: string;
    onValueChange: (value: string) => void;
  } & Omit<InputHTMLAttributes<HTMLInputElement>, 'value' | 'onChange' | 'id'>,
) {
  const { label, field, error, hint, value, onValueChange, ...inputProps } = props;
  return (
    <Field label={label} field={field} error={error} hint={hint}>
      {(control) => (
        <input {...inputProps} {...control} value={value} onChange={(event) => onValueChange(event.target.value)} />
      )}
    </Field>
  );
}
