import { useSyncExternalStore } from 'react';
import { useServices } from '../app-context';
import type { RealtimeStatus } from './realtime-client';

const alwaysStopped = () => 'stopped' as const;
const noSubscription = () => () => undefined;

/** The realtime connection's state; `stopped` where the console runs without one (tests). */
export function useRealtimeStatus(): RealtimeStatus {
  const { realtime } = useServices();
  return useSyncExternalStore(realtime?.onStatus ?? noSubscription, realtime?.status ?? alwaysStopped);
}
