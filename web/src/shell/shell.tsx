import { useState } from 'react';
import { NavLink, Navigate, Route, Routes } from 'react-router';
import { hasRoleAtLeast, useServices, useSignedInSession } from '../app-context';
import { consoleAreas } from '../areas';
import { useTheme } from './theme';

/** The signed-in frame: navigation built from the areas the person's role allows, and their routes. */
export function Shell() {
  const session = useSignedInSession();
  const { sessions } = useServices();
  const [theme, toggleTheme] = useTheme();
  const [isMenuOpen, setIsMenuOpen] = useState(false);
  const areas = consoleAreas.filter((area) => hasRoleAtLeast(session.user.role, area.minimumRole));

  return (
    <div className="shell">
      <header className="topbar">
        <button
          type="button"
          className="icon-button menu-toggle"
          aria-label="Menu"
          aria-expanded={isMenuOpen}
          onClick={() => setIsMenuOpen((open) => !open)}
        >
          ☰
        </button>
        <span className="brand">Parley</span>
        <nav className={isMenuOpen ? 'topnav open' : 'topnav'} aria-label="Main">
          {areas.map((area) => (
            <NavLink key={area.id} to={area.path} onClick={() => setIsMenuOpen(false)}>
              {area.title}
            </NavLink>
          ))}
        </nav>
        <span className="spacer" />
        <span className="muted user-label" title={session.tenant.name}>
          {session.user.displayName ?? session.user.email}
        </span>
        <button
          type="button"
          className="icon-button"
          onClick={toggleTheme}
          aria-label={theme === 'dark' ? 'Switch to light theme' : 'Switch to dark theme'}
        >
          {theme === 'dark' ? '☀' : '☾'}
        </button>
        <button type="button" onClick={() => void sessions.signOut()}>
          Sign out
        </button>
      </header>
      <main className="content">
        <Routes>
          {areas.map((area) => (
            <Route key={area.id} path={`${area.path}/*`} element={area.element} />
          ))}
          <Route path="*" element={<Navigate to={areas[0]?.path ?? '/'} replace />} />
        </Routes>
      </main>
    </div>
  );
}
