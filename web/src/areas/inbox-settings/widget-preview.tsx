import { useQuery } from '@tanstack/react-query';
import { useServices } from '../../app-context';

/**
 * The widget as visitors will see it, in a frame of the server's own panel page. Until the server
 * serves that page the area says so instead of showing an imitation.
 */
export function WidgetPreview({ inboxId, updatedAt }: { inboxId: string; updatedAt: string }) {
  const { authedFetch } = useServices();
  const src = `/widget/panel?inbox=${encodeURIComponent(inboxId)}`;
  const isServed = useQuery({
    queryKey: ['widget-panel', inboxId],
    queryFn: async () => (await authedFetch(src, { method: 'HEAD' })).ok,
    staleTime: Infinity,
  });
  return (
    <section className="stack widget-preview" aria-labelledby="widget-preview-heading">
      <h2 id="widget-preview-heading">Preview</h2>
      {isServed.isPending ? (
        <p className="muted state-text">Loading the preview…</p>
      ) : isServed.data ? (
        // Keyed by the inbox's version, so a saved change shows at once.
        <iframe key={updatedAt} title="Widget preview" src={src} className="widget-frame" />
      ) : (
        <p className="muted preview-placeholder">The widget preview appears here once this server serves the widget.</p>
      )}
    </section>
  );
}
