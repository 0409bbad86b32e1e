import type { AuthedFetch } from '../api/api-client';
import { createRealtimeClient, type RealtimeSocket } from './realtime-client';

/**
 * The console's realtime client: a browser cannot set headers on a WebSocket, so each connection
 * asks for a short-lived single-use ticket first (with the access token, refreshed on a 401 like any
 * call) and passes it in the address. A refused ticket counts as a failed attempt and backs off.
 */
export function createBrowserRealtime(authedFetch: AuthedFetch) {
  return createRealtimeClient({
    openSocket: async () => {
      const response = await authedFetch('/v1/realtime/tickets', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      if (!response.ok) throw new Error(`ticket refused (${response.status})`);
      const { ticket } = (await response.json()) as { ticket: string };
      const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
      const socket = new WebSocket(`${scheme}://${location.host}/v1/realtime?ticket=${encodeURIComponent(ticket)}`);
      return socket as unknown as RealtimeSocket;
    },
  });
}
