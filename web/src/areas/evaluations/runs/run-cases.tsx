import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import { useId, useMemo, useState } from 'react';
import { useServices } from '../../../app-context';
import { ErrorNotice } from '../../../ui/error-notice';
import { armLabel, expectationParts, questionOf } from '../evaluation-format';
import {
  evaluationKeys,
  isGoing,
  runApiPath,
  type EvaluationRun,
  type RunCase,
  type RunCasePage,
} from '../evaluations-api';
import { CaseAnswerView } from './case-answer-view';

const casesPerPage = 20;
/** While the run goes, its answers arrive: the cases shown are read again as often as the run itself. */
const pollWhileGoingMs = 1500;

/** The run's cases side by side, page by page; with two arms, optionally only those where they differ. */
export function RunCases({ run }: { run: EvaluationRun }) {
  const { api } = useServices();
  const toggleId = useId();
  const [isOnlyDifferent, setIsOnlyDifferent] = useState(false);
  const isComparison = run.arms.length === 2;
  const cases = useInfiniteQuery({
    queryKey: evaluationKeys.runCasePages(run.id, isOnlyDifferent),
    queryFn: ({ pageParam }) => {
      const params = new URLSearchParams({ from: String(pageParam), limit: String(casesPerPage) });
      if (isOnlyDifferent) params.set('onlyDifferent', 'true');
      return api.get<RunCasePage>(`${runApiPath(run.id)}/cases?${params.toString()}`);
    },
    initialPageParam: 0,
    getNextPageParam: (last) => last.nextFrom,
    refetchInterval: isGoing(run.status) ? pollWhileGoingMs : false,
    // The cases shown stay while the other filter's are read, rather than the list jumping to empty.
    placeholderData: keepPreviousData,
  });
  const items = useMemo(() => cases.data?.pages.flatMap((page) => page.items) ?? [], [cases.data]);
  // Two arms may read alike (one version twice, on one model): their place then tells them apart.
  const named = run.arms.map((arm) => armLabel(arm));
  const labels = named.map((label, index) =>
    named.indexOf(label) !== named.lastIndexOf(label) ? `${label} (arm ${index + 1})` : label,
  );

  return (
    <section className="stack" aria-labelledby="run-cases-heading">
      <div className="row">
        <h2 id="run-cases-heading">Cases</h2>
        <span className="spacer" />
        {isComparison ? (
          <label className="inline" htmlFor={toggleId}>
            <input
              id={toggleId}
              type="checkbox"
              checked={isOnlyDifferent}
              onChange={(event) => setIsOnlyDifferent(event.target.checked)}
            />
            Only where they differ
          </label>
        ) : null}
      </div>
      {cases.isPending ? <p className="muted state-text">Loading the cases…</p> : null}
      {cases.isError ? <ErrorNotice error={cases.error} onRetry={() => void cases.refetch()} /> : null}
      {cases.isSuccess && items.length === 0 ? (
        <p className="muted state-text">
          {isOnlyDifferent ? 'The two arms agree on every case answered so far.' : 'The run has no cases.'}
        </p>
      ) : null}
      <ol className="plain-list evaluation-cases" aria-label="Cases of the run">
        {items.map((item) => (
          <RunCaseItem key={item.index} item={item} labels={labels} isComparison={isComparison} />
        ))}
      </ol>
      {cases.hasNextPage ? (
        <div className="row load-more">
          <button type="button" onClick={() => void cases.fetchNextPage()} disabled={cases.isFetchingNextPage}>
            {cases.isFetchingNextPage ? 'Loading…' : 'Load more cases'}
          </button>
        </div>
      ) : null}
    </section>
  );
}

/** One case: the conversation it asks, what it expects, then each arm's answer beside the other. */
function RunCaseItem({ item, labels, isComparison }: { item: RunCase; labels: string[]; isComparison: boolean }) {
  const name = `Case ${item.index + 1}`;
  const earlier = item.messages.slice(0, -1);
  const expected = expectationParts(item);
  const isMarked = isComparison && item.isDifferent;
  return (
    <li
      className={isMarked ? 'card stack evaluation-case evaluation-case-differs' : 'card stack evaluation-case'}
      aria-label={isMarked ? `${name}, the arms differ` : name}
    >
      <div className="row">
        <h3>{name}</h3>
        {isMarked ? <span className="badge badge-warning">Arms differ</span> : null}
      </div>
      {earlier.length > 0 ? (
        <ul className="plain-list muted">
          {earlier.map((message, index) => (
            <li key={index}>
              {message.role === 'user' ? 'Person' : 'Agent'}: {message.content}
            </li>
          ))}
        </ul>
      ) : null}
      <p className="evaluation-question">{questionOf(item.messages)}</p>
      <p className="muted">{expected.length > 0 ? `Expects: ${expected.join(' · ')}` : 'Expects nothing checked.'}</p>
      <div className="evaluation-arms">
        {labels.map((label, index) => (
          <CaseAnswerView key={index} label={label} answer={item.answers[index] ?? null} />
        ))}
      </div>
    </li>
  );
}
