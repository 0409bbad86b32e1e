import { z } from 'zod';

/** The tools Parley itself provides; chat implements them (src/modules/chat/tools/builtin-tools.ts). */
export const builtinTools = [
  {
    key: 'builtin:search_knowledge',
    name: 'search_knowledge',
    description: "Searches the agent's own knowledge sources for passages about a query",
  },
  {
    key: 'builtin:current_time',
    name: 'current_time',
    description: 'Tells the current date and time, in a given IANA time zone or UTC',
  },
] as const;

const builtinKeys: ReadonlySet<string> = new Set(builtinTools.map((tool) => tool.key));
export const isBuiltinToolKey = (key: string): boolean => builtinKeys.has(key);

export const maxAgentTools = 30;

/** `builtin:<name>` or `mcp:<tool id>`; whether the MCP tool is the tenant's is checked on write. */
export const toolKeySchema = z
  .string()
  .max(60)
  .refine(
    (key) => isBuiltinToolKey(key) || (z.uuid().safeParse(key.slice('mcp:'.length)).success && key.startsWith('mcp:')),
    `must be ${builtinTools.map((tool) => `'${tool.key}'`).join(', ')} or 'mcp:<tool id>'`,
  );

/** The tools an agent may call, replaced whole on every write. */
export const toolKeysSchema = z
  .array(toolKeySchema)
  .max(maxAgentTools, `an agent can be given at most ${maxAgentTools} tools`);

export const catalogToolSchema = z.object({
  key: z.string(),
  name: z.string(),
  description: z.string(),
  source: z.enum(['builtin', 'mcp']),
  serverName: z.string().optional(),
  approval: z.enum(['auto', 'needs_approval']),
  /** False when the tool or its server is disabled: an agent keeps it, but cannot call it until enabled. */
  enabled: z.boolean(),
});
export type CatalogToolView = z.infer<typeof catalogToolSchema>;

export const toolCatalogSchema = z.object({ items: z.array(catalogToolSchema) });
