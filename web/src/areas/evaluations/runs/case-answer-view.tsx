import { formatLatency, formatScore, formatUsd } from '../evaluation-format';
import type { CaseAnswer, CheckName } from '../evaluations-api';

const checkNames: Record<CheckName, string> = {
  citations: 'Sources',
  words: 'Words',
  handoff: 'Handoff',
  length: 'Length',
};

/** One arm's answer to a case: the text, what it cited, whether it handed over, each check, cost and time. */
export function CaseAnswerView({ label, answer }: { label: string; answer: CaseAnswer | null }) {
  if (!answer) {
    return (
      <section className="evaluation-answer card stack" aria-label={label}>
        <h4>{label}</h4>
        <p className="muted">Not answered yet.</p>
      </section>
    );
  }
  const checks = (Object.keys(checkNames) as CheckName[]).filter((name) => answer.checks[name] !== undefined);
  return (
    <section className="evaluation-answer card stack" aria-label={label}>
      <div className="row">
        <h4>{label}</h4>
        <span className={answer.isPassed ? 'badge badge-ok' : 'badge badge-danger'}>
          {answer.isPassed ? 'Passed' : 'Failed'}
        </span>
      </div>
      {answer.error ? (
        <p className="field-error">{answer.error}</p>
      ) : (
        <p className="evaluation-answer-text">{answer.answer || <span className="muted">(no text)</span>}</p>
      )}
      <dl className="facts">
        <dt>Cited</dt>
        <dd>
          {answer.citations.length > 0
            ? answer.citations.map((citation) => `[${citation.marker}] ${citation.documentTitle}`).join(', ')
            : 'nothing'}
        </dd>
        <dt>Handed over</dt>
        <dd>{answer.isHandoff ? 'yes' : 'no'}</dd>
        <dt>Checks</dt>
        <dd>
          {checks.length === 0 ? (
            'none asked'
          ) : (
            <ul className="plain-list">
              {checks.map((name) => (
                <li key={name}>
                  {checkNames[name]}:{' '}
                  {answer.checks[name] ? (
                    <span className="badge badge-ok">✓ passed</span>
                  ) : (
                    <span className="badge badge-danger">✗ failed</span>
                  )}
                </li>
              ))}
            </ul>
          )}
        </dd>
        <dt>Tokens</dt>
        <dd>
          {answer.inputTokens.toLocaleString('en')} in, {answer.outputTokens.toLocaleString('en')} out ·{' '}
          {formatUsd(answer.costMicros)}
        </dd>
        <dt>Latency</dt>
        <dd>{formatLatency(answer.latencyMs)}</dd>
        {answer.judgement ? (
          <>
            <dt>Judge</dt>
            <dd>
              {answer.judgement.error ? (
                <span className="field-error">{answer.judgement.error}</span>
              ) : (
                <>
                  Faithfulness {formatScore(answer.judgement.faithfulness)}, relevance{' '}
                  {formatScore(answer.judgement.relevance)}
                  {answer.judgement.reason ? <span className="muted"> — {answer.judgement.reason}</span> : null}
                </>
              )}
            </dd>
          </>
        ) : null}
      </dl>
    </section>
  );
}
