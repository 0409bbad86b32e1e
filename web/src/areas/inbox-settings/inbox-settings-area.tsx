import { Navigate, NavLink, Route, Routes } from 'react-router';
import { RequireRole } from '../admin/require-role';
import type { ConsoleArea } from '../console-area';
import { CannedResponsesPage } from './canned-responses-page';
import { EditInboxPage, NewInboxPage } from './inbox-editor-page';
import { InboxesPage } from './inboxes-page';
import { inboxSettingsPath } from './inboxes-api';
import { RoutingRulesPage } from './routing-rules-page';
import { TeamsPage } from './teams-page';

function InboxSettingsRoutes() {
  const inboxesPath = `${inboxSettingsPath}/inboxes`;
  return (
    <RequireRole
      minimum="tenant_admin"
      otherwise={<p className="page muted state-text">Inbox settings are for tenant administrators.</p>}
    >
      <div className="page">
        <nav className="subnav" aria-label="Inbox settings">
          <NavLink to={inboxesPath}>Inboxes</NavLink>
          <NavLink to={`${inboxSettingsPath}/canned-responses`}>Canned responses</NavLink>
          <NavLink to={`${inboxSettingsPath}/teams`}>Teams</NavLink>
          <NavLink to={`${inboxSettingsPath}/rules`}>Rules</NavLink>
        </nav>
        <Routes>
          <Route index element={<Navigate to={inboxesPath} replace />} />
          <Route path="inboxes" element={<InboxesPage />} />
          <Route path="inboxes/new" element={<NewInboxPage />} />
          <Route path="inboxes/:inboxId" element={<EditInboxPage />} />
          <Route path="canned-responses" element={<CannedResponsesPage />} />
          <Route path="teams" element={<TeamsPage />} />
          <Route path="rules" element={<RoutingRulesPage />} />
          <Route path="*" element={<Navigate to={inboxesPath} replace />} />
        </Routes>
      </div>
    </RequireRole>
  );
}

/** Inboxes (widget, hours, handoff, secret, snippet, preview) and canned responses, for administrators. */
export const inboxSettingsArea: ConsoleArea = {
  id: 'inbox-settings',
  title: 'Inbox settings',
  path: inboxSettingsPath,
  minimumRole: 'tenant_admin',
  element: <InboxSettingsRoutes />,
};
