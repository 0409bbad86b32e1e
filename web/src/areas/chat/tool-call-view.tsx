import { useToolApproval } from './tool-approval-context';
import { formatToolValue, toolCallPhase, type ToolCallPhase, type ToolPart } from './tool-parts';

/** Past this, a value is cut for display: a page of JSON is readable, a megabyte is not. */
const maxShownChars = 20_000;

function shown(value: unknown): string {
  const text = formatToolValue(value);
  if (text.length <= maxShownChars) return text;
  return `${text.slice(0, maxShownChars)}\n… (${(text.length - maxShownChars).toLocaleString('en')} more characters)`;
}

function badgeFor(phase: ToolCallPhase, part: ToolPart, isStreaming: boolean): { label: string; tone: string } {
  switch (phase) {
    case 'running':
      // Stored as running in a reply that is no longer written: the turn ended before the tool did.
      return isStreaming ? { label: 'Running…', tone: '' } : { label: 'No result', tone: 'badge-warning' };
    case 'awaiting-approval':
      return { label: 'Needs your approval', tone: 'badge-warning' };
    case 'decided':
      if (!part.approval?.approved) return { label: 'Denied', tone: '' };
      // Not streaming: the reply goes on once every call it waits for is decided.
      return { label: isStreaming ? 'Approved · running…' : 'Approved · waits for the other calls', tone: '' };
    case 'complete':
      return { label: 'Done', tone: 'badge-ok' };
    case 'error':
      return { label: 'Failed', tone: 'badge-danger' };
    case 'denied':
      return { label: 'Denied', tone: '' };
  }
}

/**
 * One tool the agent called, inline in its reply: the tool's name and state, its arguments (folded
 * away unless the person must approve them), then its result or error. A call that needs approval
 * asks for it here.
 */
export function ToolCallView({ part, isStreaming }: { part: ToolPart; isStreaming: boolean }) {
  const phase = toolCallPhase(part);
  const badge = badgeFor(phase, part, isStreaming);
  const isAsking = phase === 'awaiting-approval';
  return (
    <section className={`tool-call tool-call-state-${phase}`} aria-label={`Tool call ${part.toolName}`}>
      <div className="tool-call-head">
        <span className="muted">Tool</span>
        <span className="tool-name">{part.toolName}</span>
        <span className={`badge ${badge.tone}`}>{badge.label}</span>
      </div>
      <details className="tool-call-detail" open={isAsking}>
        <summary>Arguments</summary>
        <pre className="json-block">{shown(part.input ?? {})}</pre>
      </details>
      {phase === 'complete' && (
        <details className="tool-call-detail">
          <summary>Result</summary>
          <pre className="json-block">{shown(part.output) || '(empty)'}</pre>
        </details>
      )}
      {phase === 'error' && <p className="tool-call-error">{part.errorText}</p>}
      {phase === 'denied' && <p className="muted tool-call-note">Denied: the tool did not run.</p>}
      {isAsking && <ApprovalPrompt part={part} />}
    </section>
  );
}

function ApprovalPrompt({ part }: { part: ToolPart }) {
  const approval = useToolApproval();
  if (!approval?.canDecide) {
    return <p className="muted tool-call-note">Waiting for the conversation’s owner to approve or deny this call.</p>;
  }
  return (
    <div className="tool-approval" role="group" aria-label={`Approve ${part.toolName}?`}>
      <p>The agent wants to run this tool with the arguments above. It runs only if you approve.</p>
      <div className="row">
        <button
          type="button"
          className="primary"
          disabled={approval.isBusy}
          onClick={() => approval.decide(part, true)}
        >
          Approve
        </button>
        <button type="button" disabled={approval.isBusy} onClick={() => approval.decide(part, false)}>
          Deny
        </button>
      </div>
    </div>
  );
}
