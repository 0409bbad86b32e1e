import type { AgentSettings } from '../../platform/db/schema/agents.js';
import type { AgentRow } from './agents.repository.js';
import { readCompanionSettings } from './companion-settings.js';

export type { AgentSettings };

/** The settings a version holds, in the order a diff lists them. */
export const settingsFields = [
  'instructions',
  'model',
  'temperature',
  'maxOutputTokens',
  'knowledgeSourceIds',
  'toolKeys',
  'companion',
] as const satisfies readonly (keyof AgentSettings)[];
export type SettingsField = (typeof settingsFields)[number];

/** Once each, in the order the database lists them (so a view reads the same before and after a write). */
export const normalisedIds = (ids: readonly string[]): string[] => [...new Set(ids)].sort();

/** An agent's settings as its row holds them (the published version's). */
export const settingsOf = (agent: AgentRow): AgentSettings => ({
  instructions: agent.instructions,
  model: agent.model,
  temperature: agent.temperature,
  maxOutputTokens: agent.maxOutputTokens,
  knowledgeSourceIds: normalisedIds(agent.knowledgeSourceIds),
  toolKeys: normalisedIds(agent.toolKeys),
  companion: readCompanionSettings(agent.companion),
});

/** A field's value as compared: the companion's settings with their defaults filled in. */
const comparable = (settings: AgentSettings, field: SettingsField): string =>
  JSON.stringify(field === 'companion' ? readCompanionSettings(settings.companion) : (settings[field] ?? null));

/** The fields whose values differ between two versions' settings. */
export const changedFields = (before: AgentSettings, after: AgentSettings): SettingsField[] =>
  settingsFields.filter((field) => comparable(before, field) !== comparable(after, field));
