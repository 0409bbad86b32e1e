import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { isWorthRetrying } from './api/api-error';
import { createAppServices, ServicesProvider } from './app-context';
import { AuthGate } from './auth/auth-gate';
import { Shell } from './shell/shell';
import { initialTheme } from './shell/theme';
import './styles.css';

// Before the first paint, so the sign-in screens follow the theme too (the shell keeps it in sync).
document.documentElement.dataset.theme = initialTheme();

const services = createAppServices(undefined, { isRealtime: true });
const queryClient = new QueryClient({
  // Once, and only what could answer differently: a 404 or a 400 was asked twice before.
  defaultOptions: {
    queries: { retry: (failures, error) => failures < 1 && isWorthRetrying(error), refetchOnWindowFocus: false },
  },
});
// Signing out forgets everything cached for the previous person.
services.sessions.subscribe((session) => {
  if (!session) queryClient.clear();
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ServicesProvider services={services}>
      <QueryClientProvider client={queryClient}>
        <BrowserRouter>
          <AuthGate>
            <Shell />
          </AuthGate>
        </BrowserRouter>
      </QueryClientProvider>
    </ServicesProvider>
  </StrictMode>,
);
