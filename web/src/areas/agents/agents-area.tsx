import { Navigate, Route, Routes } from 'react-router';
import type { ConsoleArea } from '../console-area';
import { agentsPath, EditAgentPage, NewAgentPage } from './agent-editor-page';
import { AgentsPage } from './agents-page';
import { MemoriesPage } from './memories-page';

function AgentsRoutes() {
  return (
    <Routes>
      <Route index element={<AgentsPage />} />
      <Route path="new" element={<NewAgentPage />} />
      <Route path=":agentId" element={<EditAgentPage />} />
      <Route path=":agentId/memories" element={<MemoriesPage />} />
      <Route path="*" element={<Navigate to={agentsPath} replace />} />
    </Routes>
  );
}

export const agentsArea: ConsoleArea = {
  id: 'agents',
  title: 'Agents',
  path: agentsPath,
  minimumRole: 'member',
  element: <AgentsRoutes />,
};
