import { useState, type FormEvent } from 'react';
import { ErrorNotice } from '../../ui/error-notice';
import { Field, TextField } from '../../ui/field';
import { providerKinds, type Provider, type ProviderKind } from './admin-api';

/** The body of POST /v1/providers, and of PATCH, where `apiKey: null` removes the stored key. */
export interface ProviderInput {
  name: string;
  kind: ProviderKind;
  baseUrl?: string | null;
  apiKey?: string | null;
  settings: Record<string, string>;
  models: string[];
}

const kindLabels: Record<ProviderKind, string> = {
  openai: 'OpenAI',
  azure: 'Azure OpenAI',
  anthropic: 'Anthropic',
  'openai-compatible': 'OpenAI-compatible (Ollama, vLLM, LM Studio…)',
  cohere: 'Cohere (reranking)',
};

export const providerKindLabel = (kind: ProviderKind): string => kindLabels[kind];

/** Kinds whose usual models the agent form offers when a provider lists none (model-registry.ts). */
export const hasUsualModels = (kind: ProviderKind): boolean => kind === 'openai' || kind === 'anthropic';

interface SettingSpec {
  readonly key: string;
  readonly label: string;
  readonly hint: string;
}

/** Kind-specific settings: the ones the server takes for each kind (it refuses any other). */
const settingsByKind: Record<ProviderKind, readonly SettingSpec[]> = {
  openai: [
    { key: 'organization', label: 'Organization', hint: 'Optional OpenAI organization id.' },
    { key: 'project', label: 'Project', hint: 'Optional OpenAI project id.' },
  ],
  azure: [
    { key: 'resourceName', label: 'Azure resource name', hint: 'The <name> of <name>.openai.azure.com.' },
    { key: 'apiVersion', label: 'API version', hint: 'Optional, e.g. 2024-10-21.' },
  ],
  anthropic: [],
  'openai-compatible': [],
  cohere: [],
};

const baseUrlHints: Record<ProviderKind, string> = {
  openai: 'Optional; empty uses api.openai.com.',
  azure: 'Optional when the resource name is given.',
  anthropic: 'Optional; empty uses api.anthropic.com.',
  'openai-compatible': 'Required, e.g. http://127.0.0.1:11434/v1 for Ollama.',
  cohere: 'Optional; empty uses api.cohere.com/v2.',
};

const modelsHints: Record<ProviderKind, string> = {
  openai: 'Comma-separated model ids offered in the agent form; empty offers the usual ones.',
  azure: 'Required: comma-separated deployment names, offered in the agent form.',
  anthropic: 'Comma-separated model ids offered in the agent form; empty offers the usual ones.',
  'openai-compatible':
    'Required: comma-separated model ids the server serves, offered in the agent form. A server with /v1/rerank (vLLM, Infinity) can also rerank for knowledge sources.',
  cohere:
    'Comma-separated reranking model ids, e.g. rerank-v3.5. Knowledge sources name them as name:model to reorder search results; agents cannot chat with them.',
};

const modelsPlaceholders: Partial<Record<ProviderKind, string>> = {
  azure: 'my-gpt-4o, my-gpt-4o-mini',
  cohere: 'rerank-v3.5',
};

function apiKeyHint(kind: ProviderKind, key: { isRemovingKey: boolean; hasStoredKey: boolean }): string {
  if (key.isRemovingKey) return 'The stored key will be removed when you save.';
  if (key.hasStoredKey) {
    // The server keeps a key for the address it was given for (docs/chat.md, "Providers").
    return 'A key is stored and is never shown. Type a new one to replace it; changing the kind, base URL or resource name needs it again.';
  }
  if (kind === 'openai-compatible') return 'Only if the server asks for one. Stored encrypted and never shown again.';
  return 'Required for this kind of provider. Stored encrypted and never shown again.';
}

const parseModels = (text: string): string[] =>
  text
    .split(',')
    .map((model) => model.trim())
    .filter(Boolean);

/**
 * A provider's connection. A stored API key never comes back from the server, so the key field starts
 * empty: typing a key replaces the stored one, leaving it empty keeps it, "Remove stored key" removes it.
 */
export function ProviderForm(props: {
  provider?: Provider;
  isBusy: boolean;
  error: unknown;
  onSubmit: (input: ProviderInput) => void;
  onCancel: () => void;
}) {
  const { provider, error } = props;
  const isEditing = provider !== undefined;
  const [name, setName] = useState(provider?.name ?? '');
  const [kind, setKind] = useState<ProviderKind>(provider?.kind ?? 'openai');
  const [baseUrl, setBaseUrl] = useState(provider?.baseUrl ?? '');
  const [apiKey, setApiKey] = useState('');
  const [isRemovingKey, setIsRemovingKey] = useState(false);
  const [settings, setSettings] = useState<Record<string, string>>(provider?.settings ?? {});
  const [models, setModels] = useState(provider?.models.join(', ') ?? '');
  const hasStoredKey = provider?.hasApiKey === true && !isRemovingKey;

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const shownKeys = new Set(settingsByKind[kind].map((spec) => spec.key));
    // A setting of another kind (the kind was changed) would be refused: only the shown ones are sent.
    const keptSettings = Object.entries(settings).filter(([key, value]) => value.trim() !== '' && shownKeys.has(key));
    const input: ProviderInput = {
      name: name.trim(),
      kind,
      settings: Object.fromEntries(keptSettings.map(([key, value]) => [key, value.trim()])),
      models: parseModels(models),
    };
    const url = baseUrl.trim();
    if (url) input.baseUrl = url;
    else if (isEditing) input.baseUrl = null;
    // The key is sent only when typed, or as null to remove it: never echoed, never resent.
    if (apiKey.trim()) input.apiKey = apiKey.trim();
    else if (isRemovingKey) input.apiKey = null;
    props.onSubmit(input);
  }

  return (
    <form className="card stack form" onSubmit={submit} autoComplete="off">
      <div className="field-row">
        <Field
          label="Name"
          field="name"
          error={error}
          hint="Lowercase letters, digits and dashes. Agents name models as name:model."
        >
          {(control) => (
            <input
              {...control}
              value={name}
              onChange={(event) => setName(event.target.value)}
              required
              maxLength={40}
              autoComplete="off"
              spellCheck={false}
            />
          )}
        </Field>
        <Field label="Kind" field="kind" error={error}>
          {(control) => (
            <select {...control} value={kind} onChange={(event) => setKind(event.target.value as ProviderKind)}>
              {providerKinds.map((option) => (
                <option key={option} value={option}>
                  {kindLabels[option]}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <TextField
        label="Base URL"
        field="baseUrl"
        error={error}
        hint={baseUrlHints[kind]}
        value={baseUrl}
        onValueChange={setBaseUrl}
        type="url"
        maxLength={2048}
        placeholder={kind === 'openai-compatible' ? 'http://127.0.0.1:11434/v1' : undefined}
        spellCheck={false}
      />
      <Field label="API key" field="apiKey" error={error} hint={apiKeyHint(kind, { isRemovingKey, hasStoredKey })}>
        {(control) => (
          <div className="row input-with-action">
            <input
              {...control}
              type="password"
              value={apiKey}
              onChange={(event) => setApiKey(event.target.value)}
              placeholder={hasStoredKey ? 'stored — leave empty to keep' : isRemovingKey ? 'no key' : ''}
              disabled={isRemovingKey}
              maxLength={4096}
              autoComplete="new-password"
              spellCheck={false}
            />
            {provider?.hasApiKey &&
              (isRemovingKey ? (
                <button type="button" onClick={() => setIsRemovingKey(false)}>
                  Keep stored key
                </button>
              ) : (
                <button
                  type="button"
                  className="danger"
                  onClick={() => {
                    setApiKey('');
                    setIsRemovingKey(true);
                  }}
                >
                  Remove stored key
                </button>
              ))}
          </div>
        )}
      </Field>
      {settingsByKind[kind].length > 0 && (
        <div className="field-row">
          {settingsByKind[kind].map((spec) => (
            <Field key={spec.key} label={spec.label} field={`settings.${spec.key}`} error={error} hint={spec.hint}>
              {(control) => (
                <input
                  {...control}
                  value={settings[spec.key] ?? ''}
                  onChange={(event) => setSettings((current) => ({ ...current, [spec.key]: event.target.value }))}
                  maxLength={200}
                  spellCheck={false}
                />
              )}
            </Field>
          ))}
        </div>
      )}
      <TextField
        label="Models"
        field="models"
        error={error}
        hint={modelsHints[kind]}
        value={models}
        onValueChange={setModels}
        placeholder={modelsPlaceholders[kind]}
        // With no models of its own to suggest, a provider without a list is one no agent form offers.
        required={!hasUsualModels(kind) && kind !== 'cohere'}
        spellCheck={false}
      />
      {error !== null && error !== undefined && <ErrorNotice error={error} />}
      <div className="row form-actions">
        <button type="submit" className="primary" disabled={props.isBusy}>
          {props.isBusy ? 'Saving…' : isEditing ? 'Save changes' : 'Add provider'}
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
