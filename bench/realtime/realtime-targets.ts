import { randomUUID } from 'node:crypto';
import { createParleyClient, type Session } from '../chat/parley-api.js';
import type { RunningChild } from '../chat/processes.js';

/**
 * What the bench does to one server under test: where its sockets connect, how a socket proves who it
 * is, how to start a conversation and how to make a turn write into it. The bare floor and each Parley
 * node answer the same five questions.
 */
export interface RealtimeTarget {
  readonly label: string;
  readonly socketUrl: string;
  readonly headers: Record<string, string>;
  readonly server: RunningChild;
  heapUsedMb(): Promise<number | undefined>;
  /** A conversation whose turns the stamped mock answers with `model` (in Parley: its agent's model). */
  newConversation(model: string): Promise<string>;
  /** Runs one turn in the conversation, to its end. */
  produce(conversationId: string, model: string): Promise<void>;
}

const toSocketUrl = (httpUrl: string) => `${httpUrl.replace(/^http/, 'ws')}/v1/realtime`;

export function bareTarget(server: RunningChild): RealtimeTarget {
  return {
    label: 'bare ws broadcast (floor)',
    socketUrl: toSocketUrl(server.url),
    headers: {},
    server,
    heapUsedMb: async () => {
      const memory = (await (await fetch(`${server.url}/_memory`)).json()) as { heapUsed: number };
      return memory.heapUsed / 2 ** 20;
    },
    newConversation: () => Promise.resolve(randomUUID()),
    produce: async (conversationId, model) => {
      const response = await fetch(
        `${server.url}/produce?conversationId=${conversationId}&model=${encodeURIComponent(model)}`,
        { method: 'POST' },
      );
      await response.text();
      if (!response.ok) throw new Error(`bare produce answered ${response.status}`);
    },
  };
}

/**
 * A Parley node. Sockets authenticate with the session's access token in `Authorization` (as a
 * server-side client would); turns are produced through `producer` — this node, or another node of
 * the same deployment for the cross-node figures.
 */
export function parleyTarget(options: {
  label: string;
  server: RunningChild;
  producer: RunningChild;
  session: Session;
  providerName: string;
  agents: Map<string, string>;
}): RealtimeTarget {
  const { server, producer, session } = options;
  const headers = { authorization: `Bearer ${session.accessToken}` };
  const client = createParleyClient(server.url);
  const agentFor = async (model: string) => {
    let agentId = options.agents.get(model);
    if (!agentId) {
      agentId = await client.createAgent(session, `Bench ${model}`, `${options.providerName}:${model}`);
      options.agents.set(model, agentId);
    }
    return agentId;
  };
  return {
    label: options.label,
    socketUrl: toSocketUrl(server.url),
    headers,
    server,
    heapUsedMb: async () => {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      const match = /^nodejs_heap_size_used_bytes (\d+(?:\.\d+)?(?:e\+\d+)?)$/m.exec(text);
      return match ? Number(match[1]) / 2 ** 20 : undefined;
    },
    newConversation: async (model) => client.createConversation(session, await agentFor(model)),
    produce: async (conversationId) => {
      const response = await fetch(`${producer.url}/v1/conversations/${conversationId}/messages`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ content: 'bench' }),
      });
      await response.text();
      if (!response.ok) throw new Error(`Parley send answered ${response.status}`);
    },
  };
}
