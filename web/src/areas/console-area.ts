import type { ReactNode } from 'react';
import type { Session } from '../api/session-store';

/**
 * One product area of the console (chat, agents, administration…). A new area is a new folder that
 * exports one of these and a line in areas/index.ts; the shell builds navigation and routes from them.
 */
export interface ConsoleArea {
  readonly id: string;
  /** Shown in the navigation. */
  readonly title: string;
  /** The area's root path, e.g. `/agents`; its routes live below it. */
  readonly path: string;
  /** Who sees the area; others neither see it in the navigation nor reach its routes. */
  readonly minimumRole: Session['user']['role'];
  /** The area's element; it handles its own sub-routes with <Routes> (relative paths). */
  readonly element: ReactNode;
}
