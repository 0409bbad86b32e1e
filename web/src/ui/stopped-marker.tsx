/**
 * Under a reply cut short (its owner's stop, or a person taking over while the AI wrote it): what it
 * says is not the whole answer, so it never reads as a finished reply. The server says so with the
 * message's `status: "stopped"` (docs/customer-service.md, "When a reply is stopped").
 */
export function StoppedMarker() {
  return (
    <p className="message-meta stopped-marker" title="Stopped before it was finished">
      <span aria-hidden="true">■ </span>Stopped
    </p>
  );
}
