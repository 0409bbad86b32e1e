import { RequireRole } from '../admin/require-role';
import type { ConsoleArea } from '../console-area';
import { analyticsPath } from './analytics-api';
import { AnalyticsPage } from './analytics-page';
import { MyRatingsPage } from './my-ratings-page';

/** Analytics for administrators; an operator sees their own ratings here (the API narrows them to theirs). */
export const analyticsArea: ConsoleArea = {
  id: 'analytics',
  title: 'Analytics',
  path: analyticsPath,
  minimumRole: 'operator',
  element: (
    <div className="page">
      <RequireRole minimum="tenant_admin" otherwise={<MyRatingsPage />}>
        <AnalyticsPage />
      </RequireRole>
    </div>
  ),
};
