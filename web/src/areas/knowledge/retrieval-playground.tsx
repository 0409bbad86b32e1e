import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useServices } from '../../app-context';
import { ErrorNotice } from '../../ui/error-notice';
import { Field, TextField } from '../../ui/field';
import { DocumentFilter } from './document-filter';
import { HighlightedText } from './highlighted-text';
import {
  searchModes,
  sourceApiPath,
  type QueryAnswer,
  type QueryCorrection,
  type RerankingReport,
  type SearchHit,
  type SearchMode,
} from './knowledge-api';
import { SearchedInstead } from '../../ui/searched-instead';

const modeLabels: Record<SearchMode, string> = {
  hybrid: 'Hybrid (words and meaning)',
  lexical: 'Lexical (words)',
  vector: 'Vector (meaning)',
};

const formatMs = (ms: number) => (ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`);
const formatScore = (score: number | null) => (score === null ? '—' : score.toFixed(3));

/**
 * The body of POST /v1/knowledge-sources/:id/query; `rerank: false` searches without the reranking model,
 * `documentIds` searches only those documents of the source, `correct: false` searches the words as typed.
 */
interface QueryRequest {
  query: string;
  mode: SearchMode;
  topK: number;
  rerank?: boolean;
  documentIds?: string[];
  correct?: boolean;
}

/**
 * Ask a source what an agent would ask it: the ranked passages come back with their scores and the
 * matched words marked, so an administrator can see why a passage was (or was not) found. A source with
 * a reranking model can be searched with and without it, to compare the two orders, and a search can be
 * narrowed to some of the source's documents.
 */
export function RetrievalPlayground({ sourceId, rerankModel }: { sourceId: string; rerankModel: string | null }) {
  const { api } = useServices();
  const [query, setQuery] = useState('');
  const [mode, setMode] = useState<SearchMode>('hybrid');
  const [topK, setTopK] = useState('8');
  const [isReranking, setIsReranking] = useState(true);
  const [documentIds, setDocumentIds] = useState<string[]>([]);
  // The server reranks hybrid results only; in the other modes the choice would mean nothing.
  const canRerank = rerankModel !== null && mode === 'hybrid';
  const search = useMutation({
    mutationFn: (body: QueryRequest) => api.post<QueryAnswer>(`${sourceApiPath(sourceId)}/query`, body),
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const count = Number(topK);
    search.mutate({
      query: query.trim(),
      mode,
      topK: Number.isInteger(count) ? count : 8,
      ...(canRerank && { rerank: isReranking }),
      // None chosen searches the whole source; the server refuses an empty list.
      ...(documentIds.length > 0 && { documentIds }),
    });
  }

  return (
    <div className="stack">
      <form className="card stack form" onSubmit={submit} aria-label="Try a query">
        <TextField
          label="Query"
          field="query"
          error={search.error}
          value={query}
          onValueChange={setQuery}
          required
          maxLength={2000}
          placeholder="A question an agent might be asked"
          autoComplete="off"
        />
        <div className="field-row">
          <Field label="Mode" field="mode" error={search.error}>
            {(control) => (
              <select {...control} value={mode} onChange={(event) => setMode(event.target.value as SearchMode)}>
                {searchModes.map((each) => (
                  <option key={each} value={each}>
                    {modeLabels[each]}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <TextField
            label="Passages"
            field="topK"
            error={search.error}
            value={topK}
            onValueChange={setTopK}
            hint="How many to return, 1 to 100."
            type="number"
            inputMode="numeric"
            min={1}
            max={100}
            step={1}
          />
        </div>
        <DocumentFilter sourceId={sourceId} selectedIds={documentIds} onChange={setDocumentIds} error={search.error} />
        {canRerank && (
          <label className="inline">
            <input type="checkbox" checked={isReranking} onChange={(event) => setIsReranking(event.target.checked)} />
            Rerank with <code>{rerankModel}</code>
          </label>
        )}
        {search.error !== null && <ErrorNotice error={search.error} />}
        <div className="row form-actions">
          <button type="submit" className="primary" disabled={search.isPending || !query.trim()}>
            {search.isPending ? 'Searching…' : 'Search'}
          </button>
        </div>
      </form>
      {/* Always there, so that screen readers hear the count of each search (keyed: the same count again too). */}
      <p className="visually-hidden" role="status">
        {search.data && <span key={search.submittedAt}>{passagesFoundSentence(search.data.results.length)}</span>}
      </p>
      {search.data && (
        <SearchResults
          answer={search.data}
          // The same search again, with the words as typed; a new search from the form corrects again.
          onSearchAsTyped={() => search.variables && search.mutate({ ...search.variables, correct: false })}
        />
      )}
    </div>
  );
}

const passagesFoundSentence = (count: number) =>
  count === 0 ? 'No passage found' : `${count} ${count === 1 ? 'passage' : 'passages'} found`;

function SearchResults({ answer, onSearchAsTyped }: { answer: QueryAnswer; onSearchAsTyped: () => void }) {
  const count = answer.results.length;
  const corrections = answer.corrections ?? [];
  return (
    <section className="stack" aria-labelledby="search-results-heading">
      <h2 id="search-results-heading" className="section-heading">
        {count === 0 ? 'No passages found' : `${count} ${count === 1 ? 'passage' : 'passages'}`}
        <span className="muted section-note">
          {' '}
          {answer.mode} · {formatMs(answer.tookMs)}
        </span>
      </h2>
      {corrections.length > 0 && <CorrectionNote corrections={corrections} onSearchAsTyped={onSearchAsTyped} />}
      {answer.reranking && <RerankingNote reranking={answer.reranking} />}
      {count === 0 ? (
        <p className="muted">Nothing in this source matches. Try other words, or the vector mode for meaning.</p>
      ) : (
        <ol className="search-results" aria-label="Passages found">
          {answer.results.map((hit, index) => (
            <SearchResult key={hit.chunkId} hit={hit} rank={index + 1} />
          ))}
        </ol>
      )}
    </section>
  );
}

/**
 * The server also read some words corrected (weighted below the words as typed): say which, so a
 * passage found through a guess is not taken for a match of what was typed, and offer the exact search.
 */
function CorrectionNote({
  corrections,
  onSearchAsTyped,
}: {
  corrections: readonly QueryCorrection[];
  onSearchAsTyped: () => void;
}) {
  return (
    <p className="muted">
      <SearchedInstead corrections={corrections} />{' '}
      <button type="button" className="link" onClick={onSearchAsTyped}>
        Search for the words as typed
      </button>
    </p>
  );
}

/** A failed reranking does not fail the search, so the sentence saying why must not be missed. */
function RerankingNote({ reranking }: { reranking: RerankingReport }) {
  if (reranking.status === 'applied') {
    return (
      <p className="muted">
        Reranked by <code>{reranking.model}</code>
      </p>
    );
  }
  return (
    <p className="error-notice" role="alert">
      {reranking.message ?? `Reranking with ${reranking.model} failed; the passages are in hybrid order.`}
    </p>
  );
}

function SearchResult({ hit, rank }: { hit: SearchHit; rank: number }) {
  const location = [hit.page !== null ? `page ${hit.page}` : null, ...hit.headingPath].filter(Boolean).join(' › ');
  return (
    <li className="card search-result" aria-label={`Passage ${rank}: ${hit.documentTitle}`}>
      <div className="row search-result-head">
        <span className="badge">#{rank}</span>
        <strong className="cell-break">{hit.documentTitle}</strong>
        {location && <span className="muted">{location}</span>}
        <span className="spacer" />
        <span className="search-scores muted">
          score {formatScore(hit.score)} · {hit.rerankScore !== null && <>rerank {formatScore(hit.rerankScore)} · </>}
          words {formatScore(hit.lexicalScore)} · meaning {formatScore(hit.vectorScore)}
        </span>
      </div>
      {hit.highlights.length > 0 ? (
        <p className="search-highlights">
          {hit.highlights.map((highlight, index) => (
            <span key={index}>
              {index > 0 && ' … '}
              <HighlightedText text={highlight} />
            </span>
          ))}
        </p>
      ) : (
        <p className="search-highlights">{hit.content}</p>
      )}
      <details>
        <summary>Whole passage</summary>
        <p className="search-content">{hit.content}</p>
      </details>
    </li>
  );
}
