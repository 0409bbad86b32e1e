import { diffLines } from 'diff';
import type { AgentSettings } from '../agent-settings.js';
import { changedFields } from '../agent-settings.js';
import { readCompanionSettings } from '../companion-settings.js';
import type { VersionDiff } from './agent-versions.schemas.js';

type Line = { kind: 'added' | 'removed' | 'same'; text: string };

/** The instructions' lines, each kept, removed or added (jsdiff's line diff, split back into lines). */
function instructionLines(before: string, after: string): Line[] {
  return diffLines(before, after).flatMap((part) => {
    const kind = part.added ? 'added' : part.removed ? 'removed' : 'same';
    const text = part.value.endsWith('\n') ? part.value.slice(0, -1) : part.value;
    return text.split('\n').map((line) => ({ kind, text: line }));
  });
}

/** What changed from `before` to `after`, field by field, as a person reviewing a change reads it. */
export function diffSettings(before: AgentSettings, after: AgentSettings): VersionDiff['changes'] {
  return changedFields(before, after).map((field) => {
    if (field === 'instructions') {
      return {
        field,
        before: before.instructions,
        after: after.instructions,
        lines: instructionLines(before.instructions, after.instructions),
      };
    }
    if (field === 'knowledgeSourceIds' || field === 'toolKeys') {
      const had = new Set(before[field]);
      const has = new Set(after[field]);
      return {
        field,
        before: before[field],
        after: after[field],
        added: [...has].filter((item) => !had.has(item)),
        removed: [...had].filter((item) => !has.has(item)),
      };
    }
    if (field === 'companion') {
      const had = readCompanionSettings(before.companion) as Record<string, unknown>;
      const has = readCompanionSettings(after.companion) as Record<string, unknown>;
      const keys = Object.keys(has).filter((key) => JSON.stringify(had[key]) !== JSON.stringify(has[key]));
      return {
        field,
        before: Object.fromEntries(keys.map((key) => [key, had[key]])),
        after: Object.fromEntries(keys.map((key) => [key, has[key]])),
      };
    }
    return { field, before: before[field], after: after[field] };
  });
}
