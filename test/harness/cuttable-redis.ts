import { startCuttableRelay } from './cuttable-relay.js';

/** A client's command that makes its connection a subscriber (RESP: `$9\r\nsubscribe\r\n`, any case). */
const subscribeCommand = /\r\n(?:p|s)?subscribe\r\n/i;

/**
 * A TCP relay to the test Redis that the test can cut and restore, as a failing Redis host would:
 * `cut` drops every connection through it, `cutSubscriptions` only those that subscribed to a channel
 * (a node's pub/sub listener), as a network fault that hits one long-lived connection would. Until
 * `restore`, it refuses new connections.
 */
export async function startCuttableRedis(
  target: URL,
): Promise<{ url: string; cut(): Promise<void>; cutSubscriptions(): void; restore(): Promise<void> }> {
  const relay = await startCuttableRelay(Number(target.port || 6379), (chunk) =>
    subscribeCommand.test(chunk.toString('latin1')),
  );
  return {
    url: `redis://127.0.0.1:${relay.port}${target.pathname}`,
    cut: relay.cut,
    cutSubscriptions: relay.cutMarked,
    restore: relay.restore,
  };
}
