import type { ReactNode } from 'react';
import { Navigate, Route, Routes } from 'react-router';
import type { ConsoleArea } from '../console-area';
import { RequireRole } from '../admin/require-role';
import { knowledgePath } from './knowledge-api';
import { EditSourcePage, NewSourcePage } from './source-editor-page';
import { SourcePage } from './source-page';
import { SourcesPage } from './sources-page';

const adminsOnly = (page: ReactNode) => (
  <RequireRole minimum="tenant_admin" otherwise={<Navigate to={knowledgePath} replace />}>
    {page}
  </RequireRole>
);

function KnowledgeRoutes() {
  return (
    <Routes>
      <Route index element={<SourcesPage />} />
      <Route path="new" element={adminsOnly(<NewSourcePage />)} />
      <Route path=":sourceId/edit" element={adminsOnly(<EditSourcePage />)} />
      <Route path=":sourceId/*" element={<SourcePage />} />
      <Route path="*" element={<Navigate to={knowledgePath} replace />} />
    </Routes>
  );
}

/** Knowledge sources: members read and query them; administrators manage sources and documents. */
export const knowledgeArea: ConsoleArea = {
  id: 'knowledge',
  title: 'Knowledge',
  path: knowledgePath,
  minimumRole: 'member',
  element: <KnowledgeRoutes />,
};
