import { useId, useState, type ReactNode } from 'react';
import { fieldMessage } from '../../ui/field';

/** An agent's companion settings, as GET /v1/agents/:id answers them (docs/companion.md). */
export interface CompanionSettings {
  readReceipts: boolean;
  summaries: boolean;
  summaryEveryTurns: number;
  memory: boolean;
  splitReplies: boolean;
  splitMaxBubbles: number;
  typingMsPerChar: number;
  typingMaxPauseMs: number;
  personalitySuggestions: boolean;
  suggestionAfterTurns: number;
  autoApplyMinConfidence: number | null;
  proactive: boolean;
  proactiveIdleMinutes: number;
  proactiveMaxUnanswered: number;
  utilityModel: string | null;
}

/** The server's defaults (src/modules/agents/companion-settings.ts), for a new agent's form. */
export const defaultCompanionSettings: CompanionSettings = {
  readReceipts: true,
  summaries: true,
  summaryEveryTurns: 10,
  memory: false,
  splitReplies: false,
  splitMaxBubbles: 4,
  typingMsPerChar: 25,
  typingMaxPauseMs: 2500,
  personalitySuggestions: false,
  suggestionAfterTurns: 20,
  autoApplyMinConfidence: null,
  proactive: false,
  proactiveIdleMinutes: 1440,
  proactiveMaxUnanswered: 1,
  utilityModel: null,
};

type NumberKey = {
  [K in keyof CompanionSettings]: CompanionSettings[K] extends number ? K : never;
}[keyof CompanionSettings];
type FlagKey = {
  [K in keyof CompanionSettings]: CompanionSettings[K] extends boolean ? K : never;
}[keyof CompanionSettings];

/**
 * The form's companion settings: numbers kept as typed (text) until sent. `changes` is what differs
 * from what the form started with (the server keeps what is not sent), undefined when nothing does;
 * an unreadable number is left out, for the server to keep its value.
 */
export function useCompanionSettings(stored: Partial<CompanionSettings> | undefined) {
  const [initial] = useState(() => ({ ...defaultCompanionSettings, ...stored }));
  const [flags, setFlags] = useState(initial);
  const [numbers, setNumbers] = useState<Record<string, string>>(() =>
    Object.fromEntries(
      Object.entries(initial)
        .filter(([, value]) => typeof value === 'number' || value === null)
        .filter(([key]) => key !== 'utilityModel')
        .map(([key, value]) => [key, value === null ? '' : String(value)]),
    ),
  );
  function current(): Partial<CompanionSettings> {
    const chosen: Record<string, unknown> = { ...flags };
    for (const [key, typed] of Object.entries(numbers)) {
      const text = typed.trim();
      const value = Number(text);
      if (key === 'autoApplyMinConfidence' && text === '') chosen[key] = null;
      else if (text === '' || !Number.isFinite(value)) delete chosen[key];
      else chosen[key] = value;
    }
    return chosen;
  }
  return {
    settings: flags,
    numberText: (key: NumberKey | 'autoApplyMinConfidence') => numbers[key] ?? '',
    setNumberText: (key: NumberKey | 'autoApplyMinConfidence', text: string) =>
      setNumbers((previous) => ({ ...previous, [key]: text })),
    setFlag: (key: FlagKey, value: boolean) => setFlags((previous) => ({ ...previous, [key]: value })),
    setUtilityModel: (model: string | null) => setFlags((previous) => ({ ...previous, utilityModel: model })),
    changes(): Partial<CompanionSettings> | undefined {
      const changed = Object.fromEntries(
        Object.entries(current()).filter(([key, value]) => initial[key as keyof CompanionSettings] !== value),
      );
      return Object.keys(changed).length > 0 ? (changed) : undefined;
    },
  };
}

export type CompanionSettingsState = ReturnType<typeof useCompanionSettings>;

/**
 * Companion features, each a checkbox with its knobs shown only while it is on, so the section stays
 * short for agents that use none. The server's error for a setting (`companion.x`) shows under it.
 */
export function CompanionSettingsSection(props: {
  state: CompanionSettingsState;
  /** The models the utility model may be: the tenant's choices. */
  models: readonly string[];
  error: unknown;
}) {
  const { state, error } = props;
  const { settings } = state;
  const flag = (key: FlagKey, label: string, hint: string, knobs?: ReactNode) => (
    <div className="companion-setting">
      <label className="inline">
        <input type="checkbox" checked={settings[key]} onChange={(event) => state.setFlag(key, event.target.checked)} />
        {label}
      </label>
      <span className="field-hint muted"> {hint}</span>
      {settings[key] && knobs && <div className="field-row companion-knobs">{knobs}</div>}
      <SettingError error={error} settingKey={key} />
    </div>
  );
  const number = (
    key: NumberKey | 'autoApplyMinConfidence',
    label: string,
    limits: { min: number; max: number; step?: number | 'any' },
    placeholder?: string,
  ) => (
    <label className="companion-number">
      {label}
      <input
        type="number"
        inputMode="decimal"
        min={limits.min}
        max={limits.max}
        step={limits.step ?? 1}
        placeholder={placeholder}
        value={state.numberText(key)}
        onChange={(event) => state.setNumberText(key, event.target.value)}
      />
      <SettingError error={error} settingKey={key} />
    </label>
  );
  const utilityId = useId();
  const utilityOptions = [
    ...new Set(['offline', ...props.models, ...(settings.utilityModel ? [settings.utilityModel] : [])]),
  ];

  return (
    <fieldset className="companion-settings">
      <legend>Companion features</legend>
      {flag('readReceipts', 'Read receipts', 'Show "Seen" when a message was read.')}
      {flag(
        'summaries',
        'Summaries',
        'Summarise the conversation as it grows.',
        number('summaryEveryTurns', 'Every N user turns', { min: 2, max: 1000 }),
      )}
      {flag('memory', 'Long-term memory', 'Remember short facts about each user across conversations.')}
      {flag(
        'splitReplies',
        'Split replies',
        'Answer in several short bubbles, with a typing pause before each.',
        <>
          {number('splitMaxBubbles', 'At most bubbles', { min: 2, max: 10 })}
          {number('typingMsPerChar', 'Typing ms per character', { min: 0, max: 200 })}
          {number('typingMaxPauseMs', 'Longest pause (ms)', { min: 0, max: 10_000 })}
        </>,
      )}
      {flag(
        'personalitySuggestions',
        'Suggest adapting to each user',
        'Suggest changing the instructions to fit how a user talks; a person reviews each.',
        <>
          {number('suggestionAfterTurns', 'After user turns', { min: 2, max: 1000 })}
          {number('autoApplyMinConfidence', 'Auto-apply from confidence', { min: 0, max: 1, step: 'any' }, 'never')}
        </>,
      )}
      {flag(
        'proactive',
        'Proactive messages',
        'Reach out to a user who went quiet.',
        <>
          {number('proactiveIdleMinutes', 'After idle minutes', { min: 5, max: 43_200 })}
          {number('proactiveMaxUnanswered', 'At most unanswered in a row', { min: 1, max: 10 })}
        </>,
      )}
      <div className="companion-number">
        {/* Named apart from its select and hint, and not "model": the form's Model field is found by that word. */}
        <label htmlFor={utilityId}>Jobs run on</label>
        <select
          id={utilityId}
          value={settings.utilityModel ?? ''}
          onChange={(event) => state.setUtilityModel(event.target.value || null)}
        >
          <option value="">the agent&apos;s own (default)</option>
          {utilityOptions.map((ref) => (
            <option key={ref} value={ref}>
              {ref}
            </option>
          ))}
        </select>
        <span className="field-hint muted">What summaries, memory and suggestions call (the utility model).</span>
        <SettingError error={error} settingKey="utilityModel" />
      </div>
    </fieldset>
  );
}

function SettingError(props: { error: unknown; settingKey: string }) {
  const message = fieldMessage(props.error, `companion.${props.settingKey}`);
  return message ? (
    <span className="field-error" role="alert">
      {message}
    </span>
  ) : null;
}
