import { useState, type FormEvent } from 'react';
import { ErrorNotice } from '../../ui/error-notice';
import { Field, FieldGroup, TextField } from '../../ui/field';
import type { Agent, AgentInput, AgentVisibility, KnowledgeSourceChoice, ModelChoices } from './agents-api';
import { CompanionSettingsSection, useCompanionSettings } from './companion-settings-section';
import { KnowledgeSourcePicker } from './knowledge-source-picker';
import { ToolPicker, useToolSelection } from './tool-picker';

export interface AgentFormProps {
  /** The agent being edited; absent when creating one. */
  agent?: Agent;
  /** Undefined while the list loads. */
  modelChoices: ModelChoices | undefined;
  modelChoicesError: unknown;
  onRetryModelChoices: () => void;
  /** Undefined while the list loads or when it could not be read. */
  knowledgeSources: KnowledgeSourceChoice[] | undefined;
  knowledgeSourcesError: unknown;
  onRetryKnowledgeSources: () => void;
  /** Only administrators may share an agent with the whole tenant. */
  canShare: boolean;
  tenantName: string;
  isBusy: boolean;
  error: unknown;
  onSubmit: (input: AgentInput) => void;
  /** Editing only: saves the settings as the agent's draft (docs/agents.md) instead of publishing them. */
  onSaveDraft?: (input: AgentInput) => void;
  onCancel: () => void;
}

const modelLabel = (ref: string) => (ref === 'offline' ? 'offline (built-in, no language model)' : ref);

/** An optional number field: empty means "not set". */
function optionalNumber(text: string): number | undefined {
  if (text.trim() === '') return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

/**
 * Name, personality (the agent's instructions), model, sampling and visibility. Optional numbers left
 * empty are omitted when creating and cleared (null) when editing, so the model's defaults apply.
 */
export function AgentForm(props: AgentFormProps) {
  const { agent, modelChoices, canShare, error } = props;
  const isEditing = agent !== undefined;
  const [name, setName] = useState(agent?.name ?? '');
  const [instructions, setInstructions] = useState(agent?.instructions ?? '');
  const [chosenModel, setChosenModel] = useState<string | null>(agent?.model ?? null);
  const [temperature, setTemperature] = useState(agent?.temperature?.toString() ?? '');
  const [maxOutputTokens, setMaxOutputTokens] = useState(agent?.maxOutputTokens?.toString() ?? '');
  const [knowledgeSourceIds, setKnowledgeSourceIds] = useState<string[]>(agent?.knowledgeSourceIds ?? []);
  const tools = useToolSelection(agent?.toolKeys);
  const companion = useCompanionSettings(agent?.companion);
  const [visibility, setVisibility] = useState<AgentVisibility>(agent?.visibility ?? (canShare ? 'tenant' : 'private'));

  // Until the person picks one, a new agent gets the server's default model.
  const model = chosenModel ?? modelChoices?.defaultModel ?? '';
  const offered = modelChoices?.models ?? ['offline'];
  const options = model && !offered.includes(model) ? [model, ...offered] : offered;

  function collect(): AgentInput {
    const unset = isEditing ? null : undefined;
    const input: AgentInput = {
      name: name.trim(),
      instructions,
      model,
      temperature: optionalNumber(temperature) ?? unset,
      maxOutputTokens: optionalNumber(maxOutputTokens) ?? unset,
    };
    if (input.temperature === undefined) delete input.temperature;
    if (input.maxOutputTokens === undefined) delete input.maxOutputTokens;
    // Sent only once the choices are known, so a failed list never clears an agent's sources.
    const listed = props.knowledgeSources;
    if (listed) input.knowledgeSourceIds = knowledgeSourceIds.filter((id) => listed.some((source) => source.id === id));
    const toolKeys = tools.keysToSend();
    if (toolKeys) input.toolKeys = toolKeys;
    const companionChanges = companion.changes();
    if (companionChanges) input.companion = companionChanges;
    // Members' agents are private; only an administrator chooses.
    if (canShare) input.visibility = visibility;
    else if (!isEditing) input.visibility = 'private';
    return input;
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    props.onSubmit(collect());
  }

  return (
    <form className="card stack form" onSubmit={submit}>
      <TextField
        label="Name"
        field="name"
        error={error}
        value={name}
        onValueChange={setName}
        required
        maxLength={100}
        autoComplete="off"
      />
      <Field
        label="Personality"
        field="instructions"
        error={error}
        hint="How the agent behaves: its role, tone and rules. Every conversation with it starts from this."
      >
        {(control) => (
          <textarea
            {...control}
            value={instructions}
            onChange={(event) => setInstructions(event.target.value)}
            rows={8}
            maxLength={20_000}
          />
        )}
      </Field>
      {props.modelChoicesError !== null && props.modelChoicesError !== undefined && (
        <ErrorNotice error={props.modelChoicesError} onRetry={props.onRetryModelChoices} />
      )}
      <Field
        label="Model"
        field="model"
        error={error}
        hint={
          !modelChoices
            ? 'Loading the models your providers offer…'
            : model === 'offline'
              ? 'The offline model answers from knowledge sources only; it cannot call tools.'
              : undefined
        }
      >
        {(control) => (
          <select {...control} value={model} onChange={(event) => setChosenModel(event.target.value)} required>
            {options.map((ref) => (
              <option key={ref} value={ref}>
                {ref === agent?.model && !offered.includes(ref) ? `${ref} (current)` : modelLabel(ref)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <div className="field-row">
        <Field
          label="Temperature"
          field="temperature"
          error={error}
          hint="0 (focused) to 2 (varied); empty uses the model's default."
        >
          {(control) => (
            <input
              {...control}
              type="number"
              inputMode="decimal"
              min={0}
              max={2}
              step="any"
              value={temperature}
              onChange={(event) => setTemperature(event.target.value)}
            />
          )}
        </Field>
        <Field
          label="Max output tokens"
          field="maxOutputTokens"
          error={error}
          hint="Longest reply; empty uses the model's limit."
        >
          {(control) => (
            <input
              {...control}
              type="number"
              inputMode="numeric"
              min={1}
              max={1_000_000}
              step={1}
              value={maxOutputTokens}
              onChange={(event) => setMaxOutputTokens(event.target.value)}
            />
          )}
        </Field>
      </div>
      <KnowledgeSourcePicker
        sources={props.knowledgeSources}
        loadError={props.knowledgeSourcesError}
        onRetry={props.onRetryKnowledgeSources}
        selectedIds={knowledgeSourceIds}
        onChange={setKnowledgeSourceIds}
        error={error}
        canAddSources={canShare}
      />
      <ToolPicker selection={tools} error={error} canAddTools={canShare} />
      <CompanionSettingsSection state={companion} models={offered} error={error} />
      {canShare ? (
        <FieldGroup legend="Visibility" field="visibility" error={error}>
          <label className="inline">
            <input
              type="radio"
              name="visibility"
              value="tenant"
              checked={visibility === 'tenant'}
              onChange={() => setVisibility('tenant')}
            />
            Tenant-wide — everyone in {props.tenantName} can use it
          </label>
          <label className="inline">
            <input
              type="radio"
              name="visibility"
              value="private"
              checked={visibility === 'private'}
              onChange={() => setVisibility('private')}
            />
            Private — only its owner can use it
          </label>
        </FieldGroup>
      ) : (
        <p className="muted">
          {agent?.visibility === 'tenant'
            ? `Tenant-wide: everyone in ${props.tenantName} can use this agent.`
            : 'Private: only you can use this agent.'}
        </p>
      )}
      {error !== null && error !== undefined && <ErrorNotice error={error} />}
      <div className="row form-actions">
        <button type="submit" className="primary" disabled={props.isBusy || !model}>
          {props.isBusy ? 'Saving…' : isEditing ? 'Save changes' : 'Create agent'}
        </button>
        {props.onSaveDraft && (
          <button
            type="button"
            disabled={props.isBusy || !model}
            onClick={(event) => {
              if (event.currentTarget.form?.reportValidity() === false) return;
              props.onSaveDraft?.(collect());
            }}
          >
            Save as draft
          </button>
        )}
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
