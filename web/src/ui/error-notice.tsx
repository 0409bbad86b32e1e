import { errorMessage, isWorthRetrying } from '../api/api-error';

/**
 * Shows the API's own sentence (never "Something went wrong"), with a retry when one is given and asking
 * again could help (not after a 404 or a 400, which would answer the same).
 */
export function ErrorNotice({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  return (
    <div className="error-notice" role="alert">
      <span>{errorMessage(error)}</span>
      {onRetry && isWorthRetrying(error) && (
        <button type="button" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}
