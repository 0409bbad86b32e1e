import { Navigate, Route, Routes } from 'react-router';
import type { ConsoleArea } from '../console-area';
import { evaluationsPath } from './evaluations-api';
import { RunPage } from './runs/run-page';
import { SetPage } from './sets/set-page';
import { SetsPage } from './sets/sets-page';

function EvaluationsRoutes() {
  return (
    <Routes>
      <Route index element={<SetsPage />} />
      <Route path="sets/:setId" element={<SetPage />} />
      <Route path="runs/:runId" element={<RunPage />} />
      <Route path="*" element={<Navigate to={evaluationsPath} replace />} />
    </Routes>
  );
}

/**
 * Evaluation sets for everyone who may use agents (any member keeps sets); runs start from an agent's
 * page and open here, for those who may change that agent (the server decides, and says so otherwise).
 */
export const evaluationsArea: ConsoleArea = {
  id: 'evaluations',
  title: 'Evaluations',
  path: evaluationsPath,
  minimumRole: 'member',
  element: <EvaluationsRoutes />,
};
