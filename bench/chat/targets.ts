import { streamTurn, type TurnTiming } from './http-client.js';
import { profileModelId, type ReplyProfile } from './mock-llm.js';
import type { ParleyClient, Session } from './parley-api.js';

/** Something the same chats are driven through: the mock itself, the bare relay, or Parley. */
export interface ChatTarget {
  readonly key: string;
  readonly label: string;
  /** The process whose memory is reported for this target. */
  readonly pid: number;
  /**
   * Gets a round ready (outside the timed window) and returns the function that runs one turn.
   * `turnsPerWorker[w]` is how many turns worker w will run in the round.
   */
  prepare(
    profile: ReplyProfile,
    phaseKey: string,
    turnsPerWorker: readonly number[],
  ): Promise<(worker: number) => Promise<TurnTiming>>;
}

const prompt = (worker: number) => `Worker ${worker} asks: what does the quarterly report say about regional revenue?`;

/** The mock directly, or the bare relay in front of it: plain OpenAI chat completions. */
export function openAICompatibleTarget(key: string, label: string, baseUrl: string, pid: number): ChatTarget {
  return {
    key,
    label,
    pid,
    prepare: async (profile) => (worker) =>
      streamTurn(`${baseUrl}/v1/chat/completions`, {
        dialect: 'openai',
        body: {
          model: profileModelId(profile),
          stream: true,
          stream_options: { include_usage: true },
          messages: [{ role: 'user', content: prompt(worker) }],
        },
      }),
  };
}

export interface ParleyTargetOptions {
  readonly key: string;
  readonly label: string;
  readonly pid: number;
  readonly client: ParleyClient;
  readonly session: Session;
  /** The name under which Parley knows the mock (OPENAI_COMPATIBLE_NAME). */
  readonly providerName: string;
  /** A conversation takes this many turns, then the worker moves to a fresh one (history stays realistic). */
  readonly turnsPerConversation: number;
}

/** Parley: each worker chats in its own conversations, created ahead of the timed window. */
export function parleyTarget(options: ParleyTargetOptions): ChatTarget {
  const { client, session } = options;
  const agents = new Map<string, string>();
  const queues = new Map<string, { id: string; remaining: number }[]>();

  const agentFor = async (profile: ReplyProfile): Promise<string> => {
    const modelId = profileModelId(profile);
    let agentId = agents.get(modelId);
    if (!agentId) {
      agentId = await client.createAgent(session, `Bench ${modelId}`, `${options.providerName}:${modelId}`);
      agents.set(modelId, agentId);
    }
    return agentId;
  };

  return {
    key: options.key,
    label: options.label,
    pid: options.pid,
    async prepare(profile, phaseKey, turnsPerWorker) {
      const agentId = await agentFor(profile);
      const missing: { queue: { id: string; remaining: number }[] }[] = [];
      turnsPerWorker.forEach((turns, worker) => {
        const queueKey = `${phaseKey}:${worker}`;
        const queue = queues.get(queueKey) ?? [];
        queues.set(queueKey, queue);
        let capacity = queue.reduce((sum, entry) => sum + entry.remaining, 0);
        while (capacity < turns) {
          missing.push({ queue });
          capacity += options.turnsPerConversation;
        }
      });
      for (let start = 0; start < missing.length; start += 10) {
        await Promise.all(
          missing.slice(start, start + 10).map(async ({ queue }) => {
            queue.push({
              id: await client.createConversation(session, agentId),
              remaining: options.turnsPerConversation,
            });
          }),
        );
      }
      return (worker) => {
        const queue = queues.get(`${phaseKey}:${worker}`)!;
        const head = queue[0]!;
        head.remaining -= 1;
        if (head.remaining === 0) queue.shift();
        return client.sendMessage(session, head.id, prompt(worker));
      };
    },
  };
}
