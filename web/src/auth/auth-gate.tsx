import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { useServices, useSession } from '../app-context';
import { ErrorNotice } from '../ui/error-notice';
import { AuthForm } from './auth-form';
import { useAuthStatus } from './use-auth-status';

/**
 * Shows the app once signed in. On load it tries the session cookie first (so a reload keeps you
 * signed in); otherwise the first-run form (no users yet), sign-in, or sign-up when the server allows.
 */
export function AuthGate({ children }: { children: ReactNode }) {
  const { sessions } = useServices();
  const session = useSession();
  const status = useAuthStatus();
  const [isResuming, setIsResuming] = useState(true);
  // Why the session could not be resumed, when that is not the server ending it (a rate limit, no answer).
  const [resumeError, setResumeError] = useState<unknown>(null);
  const [mode, setMode] = useState<'sign-in' | 'sign-up'>('sign-in');

  const resume = useCallback(() => {
    setIsResuming(true);
    setResumeError(null);
    sessions
      .resume()
      .catch(setResumeError)
      .finally(() => setIsResuming(false));
  }, [sessions]);
  useEffect(resume, [resume]);

  if (session) return <>{children}</>;
  if (isResuming || status.isPending) return <p className="centered muted">Loading…</p>;
  if (resumeError) return <ErrorNotice error={resumeError} onRetry={resume} />;
  if (status.isError) return <ErrorNotice error={status.error} onRetry={() => void status.refetch()} />;

  const { hasUsers, canRegister } = status.data;
  const onSignedIn = () => void status.refetch();
  if (!hasUsers) return <AuthForm kind="first-run" onDone={onSignedIn} />;
  if (mode === 'sign-up' && canRegister) {
    return <AuthForm kind="sign-up" onDone={onSignedIn} onSwitch={() => setMode('sign-in')} />;
  }
  return <AuthForm kind="sign-in" onDone={onSignedIn} onSwitch={canRegister ? () => setMode('sign-up') : undefined} />;
}
