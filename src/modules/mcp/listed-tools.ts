import { storableJson, storableText, unstorableCharacter } from '../../platform/db/storable-text.js';
import type { DiscoveredTool } from './tools.repository.js';

export const maxListedTools = 1000;
const maxToolNameChars = 200;
const maxDescriptionChars = 4000;

interface ListedTool {
  readonly name: string;
  readonly description?: string | undefined;
  readonly inputSchema: DiscoveredTool['inputSchema'];
}

/**
 * A server's tool list is input like any other: names become model tool names, descriptions go into
 * prompts, and all of it is stored. A name too long or not storable is skipped, and so is a name already
 * listed (the first wins: two rows of one name cannot be stored); text PostgreSQL cannot hold is cleaned;
 * past 1,000 tools the rest are ignored. Before this, a NUL in a description, a repeated name or a page of
 * 20,000 tools each made the sync fail with a 500.
 */
export function keepListedTools(kept: DiscoveredTool[], listed: readonly ListedTool[]): void {
  const names = new Set(kept.map((tool) => tool.name));
  for (const tool of listed) {
    if (kept.length >= maxListedTools) return;
    if (tool.name.length > maxToolNameChars || unstorableCharacter(tool.name) || names.has(tool.name)) continue;
    names.add(tool.name);
    kept.push({
      name: tool.name,
      description: storableText((tool.description ?? '').slice(0, maxDescriptionChars)),
      inputSchema: storableJson(tool.inputSchema),
    });
  }
}
