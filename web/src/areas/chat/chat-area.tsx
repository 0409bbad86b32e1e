import { Route, Routes, useParams } from 'react-router';
import { ConversationPane } from './conversation-pane';
import { ConversationSidebar } from './conversation-sidebar';

/** `/chat` (the list) and `/chat/:conversationId` (the list and the open conversation). */
export function ChatArea() {
  return (
    <Routes>
      <Route path=":conversationId?" element={<ChatLayout />} />
    </Routes>
  );
}

/** Side by side on a wide screen; on a phone, the list or the conversation, one at a time. */
function ChatLayout() {
  const { conversationId } = useParams();
  return (
    <div className={conversationId ? 'chat-layout has-conversation' : 'chat-layout'}>
      <ConversationSidebar activeId={conversationId} />
      <div className="chat-main">
        {conversationId ? (
          <ConversationPane key={conversationId} conversationId={conversationId} />
        ) : (
          <div className="chat-placeholder">
            <p className="muted">Pick a chat from the list, or start one with New chat.</p>
          </div>
        )}
      </div>
    </div>
  );
}
