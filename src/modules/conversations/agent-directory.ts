import type { Actor } from '../../access/actor.js';

/** What a conversation needs to know about its agent to run a turn. */
export interface ChatAgent {
  readonly id: string;
  readonly name: string;
  readonly instructions: string;
  /** `provider:model` or `offline`; empty means the registry's default. */
  readonly model: string;
  readonly temperature: number | null;
  readonly maxOutputTokens: number | null;
  readonly createdAt: Date;
  /** The knowledge sources it answers from; empty for an agent that answers from the model alone. */
  readonly knowledgeSourceIds: readonly string[];
}

/**
 * The agents a caller may chat with (tenant-wide ones and their own private ones). Implemented by
 * the agents module; conversations and chat only read through this, so visibility rules live there.
 */
export interface AgentDirectory {
  findUsable(actor: Actor, agentId: string): Promise<ChatAgent | undefined>;
  listUsable(actor: Actor): Promise<ChatAgent[]>;
  /** By name, which several agents may share; not bounded by the newest, as `listUsable` is. */
  findUsableNamed(actor: Actor, name: string): Promise<ChatAgent[]>;
}
