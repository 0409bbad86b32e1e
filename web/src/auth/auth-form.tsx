import { useState, type FormEvent } from 'react';
import { ApiError } from '../api/api-error';
import { useServices } from '../app-context';
import { ErrorNotice } from '../ui/error-notice';
import { beginSingleSignOn, useSingleSignOn } from './use-single-sign-on';

const copy = {
  'first-run': {
    heading: 'Create the administrator',
    intro: 'This server has no users yet. The account you create now administers it.',
    submit: 'Create administrator',
  },
  'sign-in': { heading: 'Sign in to Parley', intro: '', submit: 'Sign in' },
  'sign-up': { heading: 'Create an account', intro: 'You get a workspace of your own.', submit: 'Create account' },
} as const;

export function AuthForm(props: { kind: keyof typeof copy; onDone: () => void; onSwitch?: () => void }) {
  const { sessions } = useServices();
  const [error, setError] = useState<unknown>(null);
  const [isBusy, setIsBusy] = useState(false);
  // Asked for only when the server says the password opens accounts in several tenants (ADR 3).
  const [isTenantAsked, setIsTenantAsked] = useState(false);
  const text = copy[props.kind];
  const isSignIn = props.kind === 'sign-in';
  const singleSignOn = useSingleSignOn(isSignIn);
  const [password, setPassword] = useState('');
  const isSsoNext = isSignIn && singleSignOn.found?.sso === true && password === '';

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const field = (name: string) => {
      const value = form.get(name);
      return typeof value === 'string' ? value : '';
    };
    const email = field('email');
    const displayName = field('displayName').trim() || undefined;
    const tenant = field('tenant').trim() || undefined;
    setIsBusy(true);
    setError(null);
    try {
      // Email first: with no password, an address whose domain signs in through its provider goes there.
      if (isSignIn && password === '') {
        const found = await singleSignOn.lookUp(email);
        if (found?.startUrl) return beginSingleSignOn(found.startUrl);
        throw new ApiError(
          400,
          'validation_failed',
          'Enter your password: this address does not sign in through single sign-on',
        );
      }
      if (isSignIn) await sessions.signIn(email, password, tenant);
      else await sessions.register({ email, password, displayName });
      props.onDone();
    } catch (caught) {
      if (isSignIn && caught instanceof ApiError && caught.status === 409) setIsTenantAsked(true);
      // The tenant requires single sign-on: the password is refused, the provider is where to go.
      if (isSignIn && caught instanceof ApiError && caught.status === 403) {
        const found = await singleSignOn.lookUp(email);
        if (found?.startUrl) return beginSingleSignOn(found.startUrl);
      }
      setError(caught);
    } finally {
      setIsBusy(false);
    }
  }

  return (
    <main className="auth-page">
      <form className="card auth-card" onSubmit={(event) => void submit(event)} aria-labelledby="auth-heading">
        <h1 id="auth-heading">{text.heading}</h1>
        {text.intro && <p className="muted">{text.intro}</p>}
        {!isSignIn && (
          <label>
            <span>
              Name <span className="muted">(optional)</span>
            </span>
            <input name="displayName" autoComplete="name" maxLength={100} />
          </label>
        )}
        <label>
          Email
          <input
            name="email"
            type="email"
            autoComplete="email"
            required
            maxLength={254}
            onBlur={(event) => void singleSignOn.lookUp(event.currentTarget.value.trim())}
          />
        </label>
        {isSsoNext && (
          <p className="muted" role="status">
            This address signs in through your organisation&apos;s identity provider: continue without a password.
          </p>
        )}
        <label>
          {isSignIn ? (
            <span>
              Password {singleSignOn.found?.sso && <span className="muted">(not needed with single sign-on)</span>}
            </span>
          ) : (
            'Password'
          )}
          <input
            name="password"
            type="password"
            autoComplete={isSignIn ? 'current-password' : 'new-password'}
            // Signing in, an empty password asks for single sign-on (email first).
            required={!isSignIn}
            minLength={isSignIn ? undefined : 8}
            maxLength={256}
            value={password}
            onChange={(event) => setPassword(event.currentTarget.value)}
          />
        </label>
        {isSignIn && isTenantAsked && (
          <label>
            <span>
              Tenant <span className="muted">(name or id)</span>
            </span>
            <input name="tenant" required maxLength={100} />
          </label>
        )}
        {singleSignOn.tenantError !== null && <ErrorNotice error={singleSignOn.tenantError} />}
        {error !== null && <ErrorNotice error={error} />}
        <button type="submit" className="primary" disabled={isBusy}>
          {isBusy ? 'Please wait…' : isSsoNext ? 'Continue with single sign-on' : text.submit}
        </button>
        {props.onSwitch && (
          <button
            type="button"
            className="link"
            onClick={() => {
              // The other form keeps this one's state (same component, same place): a sign-up refusal
              // would otherwise show on sign-in.
              setError(null);
              props.onSwitch?.();
            }}
          >
            {isSignIn ? 'No account? Create one' : 'Have an account? Sign in'}
          </button>
        )}
      </form>
    </main>
  );
}
