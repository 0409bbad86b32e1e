import type { ConsoleArea } from '../console-area';
import { QuietHoursForm } from './quiet-hours-form';

/** The signed-in user's own settings: for now, when agents may write to them on their own. */
export const profileArea: ConsoleArea = {
  id: 'profile',
  title: 'Profile',
  path: '/profile',
  minimumRole: 'member',
  element: (
    <div className="page">
      <h2>Profile</h2>
      <h3>Quiet hours</h3>
      <p className="muted">
        Agents with proactive messages on may write first when a chat has been quiet a while; never during
        these hours, in your time zone.
      </p>
      <QuietHoursForm />
    </div>
  ),
};
