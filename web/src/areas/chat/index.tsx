import { lazy, Suspense } from 'react';
import type { ConsoleArea } from '../console-area';

// Markdown, highlighting and the AI SDK are most of the console's weight: loaded with the chat, apart.
const ChatArea = lazy(() => import('./chat-area').then((module) => ({ default: module.ChatArea })));

export const chatArea: ConsoleArea = {
  id: 'chat',
  title: 'Chats',
  path: '/chat',
  minimumRole: 'member',
  element: (
    <Suspense fallback={<p className="centered muted">Loading…</p>}>
      <ChatArea />
    </Suspense>
  ),
};
