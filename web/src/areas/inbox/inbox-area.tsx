import { Route, Routes, useMatch } from 'react-router';
import type { ConsoleArea } from '../console-area';
import { RequireRole } from '../admin/require-role';
import { PendingNotifier } from './pending-notifier';
import { QueueList } from './queue-list';
import { SupportConversationPage } from './support-conversation-page';

export const inboxPath = '/inbox';

/** Queue on the left, the chosen conversation on the right; on a phone one at a time, like Chats. */
function InboxLayout() {
  const hasConversation = useMatch(`${inboxPath}/:supportId`) !== null;
  return (
    <RequireRole minimum="operator" otherwise={<p className="page muted state-text">The Inbox is for operators.</p>}>
      <div className={`chat-layout inbox-layout${hasConversation ? ' has-conversation' : ''}`}>
        <section className="chat-sidebar" aria-labelledby="inbox-heading">
          <div className="chat-sidebar-head">
            <h1 id="inbox-heading">Inbox</h1>
          </div>
          <PendingNotifier />
          <QueueList />
        </section>
        <div className="chat-main">
          <Routes>
            <Route
              index
              element={
                <div className="chat-placeholder">
                  <p className="muted">Choose a conversation from the queue.</p>
                </div>
              }
            />
            <Route path=":supportId" element={<SupportConversationPage />} />
          </Routes>
        </div>
      </div>
    </RequireRole>
  );
}

/** The support desk's queue and conversations, for operators and administrators. */
export const inboxArea: ConsoleArea = {
  id: 'inbox',
  title: 'Inbox',
  path: inboxPath,
  minimumRole: 'operator',
  element: <InboxLayout />,
};
