/** A short word after a form's buttons ("Saved."), read out by screen readers when it appears. */
export function StatusNote(props: { text: string | null }) {
  if (!props.text) return null;
  return (
    <span className="muted" role="status">
      {' '}
      {props.text}
    </span>
  );
}
