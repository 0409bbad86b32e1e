/**
 * The widget as visitors will see it: the server's own panel page in a frame. It names the console as
 * the page embedding it (`origin`, as the loader does for a site); the server lets its own origin frame
 * the panel and use the widget API, so the preview is the real widget, and a message sent from it is a
 * real conversation in the queue.
 */
export function WidgetPreview({ inboxId, updatedAt }: { inboxId: string; updatedAt: string }) {
  const src = `/widget/panel?inbox=${encodeURIComponent(inboxId)}&origin=${encodeURIComponent(window.location.origin)}`;
  return (
    <section className="stack widget-preview" aria-labelledby="widget-preview-heading">
      <h2 id="widget-preview-heading">Preview</h2>
      {/* Keyed by the inbox's version, so a saved change shows at once. */}
      <iframe key={updatedAt} title="Widget preview" src={src} className="widget-frame" />
    </section>
  );
}
