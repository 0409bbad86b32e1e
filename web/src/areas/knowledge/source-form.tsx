import { useState, type FormEvent } from 'react';
import { ErrorNotice } from '../../ui/error-notice';
import { Field, TextField } from '../../ui/field';
import type { KnowledgeSource, KnowledgeSourceInput } from './knowledge-api';

/** A whole number typed in a field, or undefined when empty or not a number (the server then says why). */
function wholeNumber(text: string): number | undefined {
  if (text.trim() === '') return undefined;
  const value = Number(text);
  return Number.isInteger(value) ? value : undefined;
}

/**
 * What to send for the reranking model: on create, only a typed one; on edit, only a change, with null
 * for a cleared one (an absent field would keep the stored model).
 */
function rerankModelToSend(typed: string, source: KnowledgeSource | undefined): string | null | undefined {
  const model = typed.trim();
  if (!source) return model || undefined;
  if (model === (source.rerankModel ?? '')) return undefined;
  return model || null;
}

/**
 * Name, description, embedding and reranking models and chunking of a source. Empty embedding and chunking
 * fields are left out, so the server's defaults apply. Changing the embedding model or the chunking of a
 * source with documents re-indexes every document; the reranking model only changes how searches rank.
 */
export function SourceForm(props: {
  source?: KnowledgeSource;
  isBusy: boolean;
  error: unknown;
  onSubmit: (input: KnowledgeSourceInput) => void;
  onCancel: () => void;
}) {
  const { source, error } = props;
  const [name, setName] = useState(source?.name ?? '');
  const [description, setDescription] = useState(source?.description ?? '');
  const [embeddingModel, setEmbeddingModel] = useState(source?.embeddingModel ?? '');
  const [rerankModel, setRerankModel] = useState(source?.rerankModel ?? '');
  const [chunkTokens, setChunkTokens] = useState(source?.chunkTokens.toString() ?? '');
  const [chunkOverlapTokens, setChunkOverlapTokens] = useState(source?.chunkOverlapTokens.toString() ?? '');

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const input: KnowledgeSourceInput = { name: name.trim(), description };
    if (embeddingModel.trim()) input.embeddingModel = embeddingModel.trim();
    const rerank = rerankModelToSend(rerankModel, source);
    if (rerank !== undefined) input.rerankModel = rerank;
    const chunk = wholeNumber(chunkTokens);
    if (chunk !== undefined) input.chunkTokens = chunk;
    const overlap = wholeNumber(chunkOverlapTokens);
    if (overlap !== undefined) input.chunkOverlapTokens = overlap;
    props.onSubmit(input);
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
        maxLength={200}
        autoComplete="off"
      />
      <Field label="Description" field="description" error={error} hint="What the documents are about (optional).">
        {(control) => (
          <textarea
            {...control}
            value={description}
            onChange={(event) => setDescription(event.target.value)}
            rows={3}
            maxLength={2000}
          />
        )}
      </Field>
      <div className="field-row">
        <TextField
          label="Embedding model"
          field="embeddingModel"
          error={error}
          value={embeddingModel}
          onValueChange={setEmbeddingModel}
          hint={
            source
              ? 'Changing it re-indexes every document of the source.'
              : 'Empty uses the server’s default; e.g. offline, or openai:text-embedding-3-small with an OpenAI provider.'
          }
          maxLength={200}
          autoComplete="off"
        />
        <TextField
          label="Reranking model"
          field="rerankModel"
          error={error}
          value={rerankModel}
          onValueChange={setRerankModel}
          hint="Optional, e.g. cohere:rerank-v3.5; reorders hybrid search results."
          maxLength={200}
          autoComplete="off"
          spellCheck={false}
        />
      </div>
      <div className="field-row">
        <TextField
          label="Passage length (tokens)"
          field="chunkTokens"
          error={error}
          value={chunkTokens}
          onValueChange={setChunkTokens}
          hint="64 to 2048; empty uses 512."
          type="number"
          inputMode="numeric"
          min={64}
          max={2048}
          step={1}
        />
        <TextField
          label="Overlap (tokens)"
          field="chunkOverlapTokens"
          error={error}
          value={chunkOverlapTokens}
          onValueChange={setChunkOverlapTokens}
          hint="Shared by neighbouring passages; less than half the length. Empty uses 64."
          type="number"
          inputMode="numeric"
          min={0}
          max={1023}
          step={1}
        />
      </div>
      {error !== null && error !== undefined && <ErrorNotice error={error} />}
      <div className="row form-actions">
        <button type="submit" className="primary" disabled={props.isBusy}>
          {props.isBusy ? 'Saving…' : source ? 'Save changes' : 'Create source'}
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
