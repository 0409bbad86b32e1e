import { useRealtimeStatus } from './use-realtime';

/**
 * Says so while the live connection is down: the page still works (sending streams over HTTP), but
 * what happens elsewhere shows only once it is back, when the missed events are replayed.
 */
export function ConnectionBanner() {
  const status = useRealtimeStatus();
  if (status !== 'reconnecting') return null;
  return (
    <p className="connection-banner" role="status">
      Reconnecting… live updates resume when the connection is back.
    </p>
  );
}
