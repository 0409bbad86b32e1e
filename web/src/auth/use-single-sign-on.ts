import { useEffect, useState } from 'react';
import { ApiError } from '../api/api-error';
import type { SingleSignOn } from '../api/session-store';
import { useServices } from '../app-context';

/** Sends the browser to its tenant's identity provider (a full page load: the provider's page, then back). */
export function beginSingleSignOn(startUrl: string): void {
  window.location.assign(startUrl);
}

/**
 * The sign-in page's single sign-on path: `?tenant=slug` in the address goes straight to that tenant's
 * provider; otherwise the email, once typed, says whether its domain signs in through one.
 */
export function useSingleSignOn(isSignIn: boolean) {
  const { sessions } = useServices();
  const [found, setFound] = useState<SingleSignOn | null>(null);
  const [tenantError, setTenantError] = useState<unknown>(null);

  useEffect(() => {
    if (!isSignIn) return;
    const tenant = new URLSearchParams(window.location.search).get('tenant');
    if (!tenant) return;
    void sessions.findSingleSignOn({ tenant }).then((answer) => {
      if (answer.startUrl) beginSingleSignOn(answer.startUrl);
      else setTenantError(new ApiError(404, 'not_found', `No single sign-on is set up under the name '${tenant}'`));
    });
  }, [isSignIn, sessions]);

  return {
    found,
    tenantError,
    /** Asks about the typed email's domain (on leaving the field, and before a password-less submit). */
    async lookUp(email: string): Promise<SingleSignOn | null> {
      if (!isSignIn || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
        setFound(null);
        return null;
      }
      const answer = await sessions.findSingleSignOn({ email });
      setFound(answer);
      return answer;
    },
  };
}
