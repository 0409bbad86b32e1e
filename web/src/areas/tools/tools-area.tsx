import { Navigate, NavLink, Route, Routes } from 'react-router';
import { hasRoleAtLeast, useSignedInSession } from '../../app-context';
import type { ConsoleArea } from '../console-area';
import { RequireRole } from '../admin/require-role';
import { ExecutionsPage } from './executions-page';
import { EditServerPage, NewServerPage } from './server-editor-page';
import { ServerPage } from './server-page';
import { ServersPage } from './servers-page';
import { StdioCommandsPage } from './stdio-commands-page';
import { toolsPath } from './tools-api';

function ToolsSubNav() {
  const session = useSignedInSession();
  const links = [
    { to: toolsPath, label: 'MCP servers', end: true },
    { to: `${toolsPath}/executions`, label: 'Execution log', end: false },
    ...(hasRoleAtLeast(session.user.role, 'platform_admin')
      ? [{ to: `${toolsPath}/stdio-commands`, label: 'Command templates', end: false }]
      : []),
  ];
  return (
    <nav className="subnav" aria-label="Tools">
      {links.map((link) => (
        <NavLink key={link.to} to={link.to} end={link.end}>
          {link.label}
        </NavLink>
      ))}
    </nav>
  );
}

function ToolsRoutes() {
  return (
    <RequireRole
      minimum="tenant_admin"
      otherwise={<p className="page muted state-text">Tools are managed by tenant administrators.</p>}
    >
      <div className="page">
        <ToolsSubNav />
        <Routes>
          <Route index element={<ServersPage />} />
          <Route path="new" element={<NewServerPage />} />
          <Route path="executions" element={<ExecutionsPage />} />
          <Route
            path="stdio-commands"
            element={
              <RequireRole minimum="platform_admin" otherwise={<Navigate to={toolsPath} replace />}>
                <StdioCommandsPage />
              </RequireRole>
            }
          />
          <Route path=":serverId/edit" element={<EditServerPage />} />
          <Route path=":serverId" element={<ServerPage />} />
          <Route path="*" element={<Navigate to={toolsPath} replace />} />
        </Routes>
      </div>
    </RequireRole>
  );
}

/** MCP servers and their tools, the execution log, and (platform administrators) the allowed stdio commands. */
export const toolsArea: ConsoleArea = {
  id: 'tools',
  title: 'Tools',
  path: toolsPath,
  minimumRole: 'tenant_admin',
  element: <ToolsRoutes />,
};
