import { useQuery } from '@tanstack/react-query';
import { toApiError } from '../api/api-error';

export interface AuthStatus {
  hasUsers: boolean;
  signupMode: 'invite' | 'open' | 'closed';
  canRegister: boolean;
}

export function useAuthStatus() {
  return useQuery({
    queryKey: ['auth-status'],
    queryFn: async (): Promise<AuthStatus> => {
      const response = await fetch('/v1/auth/status');
      if (!response.ok) throw await toApiError(response);
      return (await response.json()) as AuthStatus;
    },
  });
}
