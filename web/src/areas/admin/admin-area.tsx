import { Navigate, NavLink, Route, Routes } from 'react-router';
import { hasRoleAtLeast, useSignedInSession } from '../../app-context';
import { apiKeysPath } from '../api-keys/api-keys-api';
import type { ConsoleArea } from '../console-area';
import { BudgetsPage } from './budgets/budgets-page';
import { EditProviderPage, NewProviderPage } from './provider-editor-page';
import { ProvidersPage } from './providers-page';
import { RequireRole } from './require-role';
import { SsoSettingsPage } from './sso-settings-page';
import { TenantSettingsPage } from './tenant-settings-page';
import { TenantsPage } from './tenants-page';
import { UsersPage } from './users-page';
import { WebhookDetailPage } from './webhooks/webhook-detail-page';
import { WebhooksPage } from './webhooks/webhooks-page';

const adminPath = '/admin';

function AdminSubNav() {
  const session = useSignedInSession();
  const links = [
    { to: 'users', label: 'Users' },
    { to: 'providers', label: 'Providers' },
    { to: 'webhooks', label: 'Webhooks' },
    { to: 'budgets', label: 'Budgets' },
    { to: 'settings', label: 'Settings' },
    { to: 'sso', label: 'Single sign-on' },
    ...(hasRoleAtLeast(session.user.role, 'platform_admin') ? [{ to: 'tenants', label: 'Tenants' }] : []),
  ];
  return (
    <nav className="subnav" aria-label="Administration">
      {links.map((link) => (
        <NavLink key={link.to} to={`${adminPath}/${link.to}`}>
          {link.label}
        </NavLink>
      ))}
    </nav>
  );
}

function AdminRoutes() {
  const usersPath = `${adminPath}/users`;
  return (
    <RequireRole
      minimum="tenant_admin"
      otherwise={<p className="page muted state-text">Administration is for tenant administrators.</p>}
    >
      <div className="page">
        <AdminSubNav />
        <Routes>
          <Route index element={<Navigate to={usersPath} replace />} />
          <Route path="users" element={<UsersPage />} />
          <Route path="providers" element={<ProvidersPage />} />
          <Route path="providers/new" element={<NewProviderPage />} />
          <Route path="providers/:providerId" element={<EditProviderPage />} />
          <Route path="webhooks" element={<WebhooksPage />} />
          <Route path="webhooks/:webhookId" element={<WebhookDetailPage />} />
          <Route path="budgets" element={<BudgetsPage />} />
          <Route path="settings" element={<TenantSettingsPage />} />
          <Route path="sso" element={<SsoSettingsPage />} />
          {/* API keys have an area of their own, for every role; old links still arrive there. */}
          <Route path="api-keys" element={<Navigate to={apiKeysPath} replace />} />
          <Route
            path="tenants"
            element={
              <RequireRole minimum="platform_admin" otherwise={<Navigate to={usersPath} replace />}>
                <TenantsPage />
              </RequireRole>
            }
          />
          <Route path="*" element={<Navigate to={usersPath} replace />} />
        </Routes>
      </div>
    </RequireRole>
  );
}

export const administrationArea: ConsoleArea = {
  id: 'administration',
  title: 'Administration',
  path: adminPath,
  minimumRole: 'tenant_admin',
  element: <AdminRoutes />,
};
