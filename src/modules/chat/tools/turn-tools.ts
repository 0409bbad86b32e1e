import { jsonSchema, tool, type ToolSet } from 'ai';
import type { Actor } from '../../../access/actor.js';
import type { Executor } from '../../../platform/db/client.js';
import type { StoredToolCall } from '../../../platform/db/schema/index.js';
import type { McpToolRunner, ToolExecutionResult } from '../../mcp/index.js';
import { builtinToolsFor, type BuiltinTool } from './builtin-tools.js';
import type { ChatToolsRepository } from './chat-tools.repository.js';
import type { PassageSearch } from '../turn/turn-knowledge.js';
import { inSpan, isCapturingContent } from '../../../platform/tracing/spans.js';

/** One tool of a turn, under the name the model calls it by. `execute` throws with text the model reads. */
export interface TurnTool {
  /** The agent's key of the tool (`mcp:<id>`, or a built-in's key), which a stored call keeps. */
  readonly key: string;
  readonly modelName: string;
  readonly description: string;
  readonly inputSchema: Record<string, unknown>;
  readonly needsApproval: boolean;
  readonly execute: (input: unknown, signal: AbortSignal) => Promise<unknown>;
  /** The line a tool that ends the reply closes it with (BuiltinTool.closingLine). */
  readonly closingLine?: string;
}

export type TurnTools = ReadonlyMap<string, TurnTool>;

/**
 * Runs one of a turn's tools: every call, run by the model's loop or after a person approved it, passes
 * here, as the GenAI conventions' `execute_tool` span when tracing is on (arguments and result only when
 * content is captured).
 */
export function runTurnTool(entry: TurnTool, input: unknown, signal: AbortSignal, toolCallId: string) {
  return inSpan(
    `execute_tool ${entry.modelName}`,
    {
      attributes: {
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': entry.modelName,
        'gen_ai.tool.call.id': toolCallId,
        'gen_ai.tool.type': 'function',
        ...(isCapturingContent() && { 'gen_ai.tool.call.arguments': JSON.stringify(input) }),
      },
    },
    async (span) => {
      const output = await entry.execute(input, signal);
      if (isCapturingContent()) span.set({ 'gen_ai.tool.call.result': JSON.stringify(output) });
      return output;
    },
  );
}

export interface TurnToolsDeps {
  readonly db: Executor;
  readonly toolsRepository: ChatToolsRepository;
  readonly toolRunner: McpToolRunner | undefined;
  readonly knowledgeSearch: PassageSearch | undefined;
}

export interface TurnToolsScope {
  /** Who the MCP executions run as (and are logged under): the user whose turn or approval it is. */
  readonly actor: Actor;
  readonly agentId: string;
  readonly conversationId: string;
  readonly toolKeys: readonly string[];
  readonly knowledgeSourceIds: readonly string[];
  /** Tools the conversation itself brings, whatever the agent's (a support conversation's handoff). */
  readonly conversationTools?: readonly BuiltinTool[];
}

/** The tools the model may call in this turn; a disabled or removed MCP tool is simply not offered. */
export async function resolveTurnTools(deps: TurnToolsDeps, scope: TurnToolsScope): Promise<TurnTools> {
  const builtins = builtinToolsFor({
    tenantId: scope.actor.tenantId,
    knowledgeSourceIds: scope.knowledgeSourceIds,
    knowledgeSearch: deps.knowledgeSearch,
    now: () => new Date(),
  });
  const tools = new Map<string, TurnTool>();
  const add = (name: string, entry: Omit<TurnTool, 'modelName'>) => {
    const modelName = uniqueModelName(name, tools);
    tools.set(modelName, { ...entry, modelName });
  };
  for (const key of scope.toolKeys) {
    const builtin = builtins.get(key);
    if (builtin) add(builtin.name, { ...builtin, key, needsApproval: false });
  }
  for (const extra of scope.conversationTools ?? []) {
    add(extra.name, { ...extra, key: `builtin:${extra.name}`, needsApproval: false });
  }
  const mcpIds = scope.toolKeys.filter((key) => key.startsWith('mcp:')).map((key) => key.slice('mcp:'.length));
  const runner = deps.toolRunner;
  if (mcpIds.length === 0 || !runner) return tools;
  for (const found of await deps.toolsRepository.findUsableMcpTools(deps.db, scope.actor.tenantId, mcpIds)) {
    add(found.name, {
      key: `mcp:${found.id}`,
      description: found.description,
      inputSchema: found.inputSchema,
      needsApproval: found.approval === 'needs_approval',
      // Through the runner, so every execution is checked and logged with the agent and conversation.
      execute: async (input, signal) =>
        modelOutputOf(
          await runner.execute(scope.actor, found.id, input, {
            agentId: scope.agentId,
            conversationId: scope.conversationId,
            signal,
          }),
        ),
    });
  }
  return tools;
}

/** The tool a stored call was made to, by its key; by its name for a call stored before keys were. */
export function toolOfCall(tools: TurnTools, call: Pick<StoredToolCall, 'toolKey' | 'toolName'>): TurnTool | undefined {
  if (call.toolKey === undefined) return tools.get(call.toolName);
  return [...tools.values()].find((entry) => entry.key === call.toolKey);
}

/**
 * The tools as the AI SDK takes them. A tool that needs approval is given no `execute`: the SDK then
 * ends the loop at its call, and the turn stores the call for the user to decide.
 */
export function toAiTools(tools: TurnTools): ToolSet {
  const set: ToolSet = {};
  for (const entry of tools.values()) {
    const shape = { description: entry.description, inputSchema: jsonSchema<unknown>(entry.inputSchema) };
    set[entry.modelName] = entry.needsApproval
      ? tool<unknown, never>(shape)
      : tool<unknown, unknown>({
          ...shape,
          execute: (input, options) =>
            runTurnTool(entry, input, options.abortSignal ?? new AbortController().signal, options.toolCallId),
        });
  }
  return set;
}

/** What the model reads of an MCP result: its text, items joined (a truncation note is one of them). */
export function modelOutputOf(result: ToolExecutionResult): string {
  const text = result.content
    .map((item) => (item.type === 'text' && typeof item.text === 'string' ? item.text : `[${item.type} content]`))
    .join('\n');
  if (result.isError) throw new Error(text || 'The tool reported an error without a message');
  return text;
}

/** Provider tool names: letters, digits, `_` and `-`, at most 64; two tools never share one. */
function uniqueModelName(name: string, taken: ReadonlyMap<string, unknown>): string {
  const base = name.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 60) || 'tool';
  let candidate = base;
  for (let suffix = 2; taken.has(candidate); suffix++) candidate = `${base}_${suffix}`;
  return candidate;
}
