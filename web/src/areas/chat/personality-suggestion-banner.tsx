import { ErrorNotice } from '../../ui/error-notice';
import {
  useCanEditAgent,
  useDecideSuggestion,
  usePersonalitySuggestions,
  type SuggestionDecision,
} from './personality-suggestions-api';

/**
 * The newest personality suggestion still waiting for the conversation's owner (docs/companion.md):
 * what the agent could change to fit how they talk, and why. Applying changes this conversation; the
 * agent itself only for someone allowed to edit it. Nothing shows while none waits.
 */
export function PersonalitySuggestionBanner({
  conversationId,
  agentId,
}: {
  conversationId: string;
  agentId: string | null;
}) {
  const suggestions = usePersonalitySuggestions(conversationId);
  const pending = suggestions.data?.items.find((item) => item.status === 'pending');
  const canEditAgent = useCanEditAgent(pending && agentId ? agentId : undefined);
  const decide = useDecideSuggestion(conversationId);
  if (!pending) return null;

  const choose = (decision: SuggestionDecision) => decide.mutate({ suggestionId: pending.id, decision });
  return (
    <aside className="suggestion-banner" aria-label="Personality suggestion">
      <p className="suggestion-banner-title">
        <strong>The agent could adapt to how you talk</strong>{' '}
        <span className="muted">({Math.round(pending.confidence * 100)}% sure)</span>
      </p>
      <p className="muted">{pending.reason}</p>
      <pre className="suggestion-banner-instructions">{pending.instructions}</pre>
      <div className="suggestion-banner-actions">
        <button
          type="button"
          disabled={decide.isPending}
          onClick={() => choose({ action: 'apply', target: 'conversation' })}
        >
          Apply to this conversation
        </button>
        {canEditAgent.data === true && (
          <button
            type="button"
            disabled={decide.isPending}
            onClick={() => choose({ action: 'apply', target: 'agent' })}
          >
            Apply to the agent
          </button>
        )}
        <button
          type="button"
          className="link"
          disabled={decide.isPending}
          onClick={() => choose({ action: 'dismiss' })}
        >
          Dismiss
        </button>
      </div>
      {decide.isError && <ErrorNotice error={decide.error} />}
    </aside>
  );
}
