import type { ConsoleArea } from '../console-area';
import { analyticsPath } from './analytics-api';
import { AnalyticsPage } from './analytics-page';

/** Analytics, for administrators (the API refuses operators and members too). */
export const analyticsArea: ConsoleArea = {
  id: 'analytics',
  title: 'Analytics',
  path: analyticsPath,
  minimumRole: 'tenant_admin',
  element: (
    <div className="page">
      <AnalyticsPage />
    </div>
  ),
};
