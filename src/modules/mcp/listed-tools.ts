import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { z } from 'zod';
import { storableJson, storableText, unstorableCharacter } from '../../platform/db/storable-text.js';
import { AppError } from '../../platform/errors.js';
import type { DiscoveredTool } from './tools.repository.js';

export const maxListedTools = 1000;
/** A server whose cursor never ends (empty pages, the same cursor again) must not hold a sync forever. */
export const maxListedPages = 100;
const maxToolNameChars = 200;
const maxDescriptionChars = 4000;

/**
 * One page of tools/list, checked only as far as reading it needs; each tool is checked on its own by
 * keepListedTools. The SDK's client.listTools checks the whole page against its schema, so one tool whose
 * input schema was `{"type":"array"}` failed the page and with it the sync, reported as a dropped connection.
 */
const listedToolsPage = z.looseObject({
  tools: z.array(z.unknown()),
  nextCursor: z.string().nullish(),
});

/** Handed to the SDK so that it checks nothing: listedToolsPage does, with a sentence of our own. */
const anyReply = z.unknown();

/** The server's tools, page by page, as far as they are usable (see keepListedTools). */
export async function listServerTools(
  client: Pick<Client, 'request'>,
  serverName: string,
  timeoutMs: number,
): Promise<DiscoveredTool[]> {
  const tools: DiscoveredTool[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < maxListedPages && tools.length < maxListedTools; pages += 1) {
    const reply = await client.request(
      { method: 'tools/list', ...(cursor !== undefined && { params: { cursor } }) },
      anyReply,
      { timeout: timeoutMs },
    );
    const page = listedToolsPage.safeParse(reply);
    if (!page.success) throw malformedToolList(serverName, page.error);
    keepListedTools(tools, page.data.tools);
    if (!page.data.nextCursor) break;
    cursor = page.data.nextCursor;
  }
  return tools;
}

/**
 * A server's tool list is input like any other: names become model tool names, descriptions go into
 * prompts, and all of it is stored. An entry that is no tool (a name that is not a string, an input schema
 * that is not an object schema, which no model tool can have) is skipped; so is a name too long or not
 * storable, and a name already listed (the first wins: two rows of one name cannot be stored); text
 * PostgreSQL cannot hold is cleaned; past 1,000 tools the rest are ignored. Before this, a NUL in a
 * description, a repeated name or a page of 20,000 tools each made the sync fail with a 500.
 */
export function keepListedTools(kept: DiscoveredTool[], listed: readonly unknown[]): void {
  const names = new Set(kept.map((tool) => tool.name));
  for (const tool of listed) {
    if (kept.length >= maxListedTools) return;
    if (!isRecord(tool) || !isObjectSchema(tool.inputSchema)) continue;
    const { name, description } = tool;
    if (typeof name !== 'string' || name.length > maxToolNameChars || unstorableCharacter(name)) continue;
    if (names.has(name)) continue;
    names.add(name);
    kept.push({
      name,
      description: storableText((typeof description === 'string' ? description : '').slice(0, maxDescriptionChars)),
      inputSchema: storableJson(tool.inputSchema),
    });
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isObjectSchema = (value: unknown): value is Record<string, unknown> => isRecord(value) && value.type === 'object';

function malformedToolList(serverName: string, error: z.ZodError): AppError {
  const issue = error.issues[0];
  const where = issue?.path.length ? issue.path.join('.') : 'the reply';
  return new AppError(
    'unprocessable',
    `MCP server '${serverName}' sent a malformed tool list: ${where}: ${issue?.message ?? 'unreadable'}`,
    {},
    { cause: error },
  );
}
