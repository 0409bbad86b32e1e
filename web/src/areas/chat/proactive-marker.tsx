/** Under a message the agent wrote on its own while the user was away (a proactive message). */
export function ProactiveMarker() {
  return (
    <p className="message-meta proactive-marker" aria-label="Sent on its own">
      ✉ Sent on its own while you were away
    </p>
  );
}
