/** The dots shown while a reply is awaited; a <p> takes no aria-label, so its words are text for screen readers only. */
export function TypingIndicator() {
  return (
    <p className="typing muted">
      <span aria-hidden="true">●●●</span>
      <span className="visually-hidden">Writing a reply</span>
    </p>
  );
}
