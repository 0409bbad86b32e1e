import { useEffect, useRef, useState } from 'react';
import { NavLink, Navigate, Route, Routes, useLocation } from 'react-router';
import { hasRoleAtLeast, useServices, useSignedInSession } from '../app-context';
import { consoleAreas } from '../areas';
import { ConnectionBanner } from '../realtime/connection-banner';
import { mainContentId } from '../ui/page-heading';
import { useTheme } from './theme';
import { usePageArrival } from './use-page-arrival';

/** The signed-in frame: navigation built from the areas the person's role allows, and their routes. */
export function Shell() {
  const session = useSignedInSession();
  const { sessions } = useServices();
  const [theme, toggleTheme] = useTheme();
  const menu = usePhoneMenu();
  const main = useRef<HTMLElement>(null);
  const arrival = usePageArrival(main);
  const areas = consoleAreas.filter((area) => hasRoleAtLeast(session.user.role, area.minimumRole));

  return (
    <div className="shell">
      <a
        className="skip-link"
        href={`#${mainContentId}`}
        onClick={(event) => {
          // Focus alone: a changed address (#main-content) would look like a navigation to the router.
          event.preventDefault();
          main.current?.focus();
        }}
      >
        Skip to content
      </a>
      <header className="topbar">
        <button
          ref={menu.toggleRef}
          type="button"
          className="icon-button menu-toggle"
          aria-label="Menu"
          aria-expanded={menu.isOpen}
          onClick={menu.toggle}
        >
          ☰
        </button>
        <span className="brand">Parley</span>
        <nav ref={menu.navRef} className={menu.isOpen ? 'topnav open' : 'topnav'} aria-label="Main">
          {areas.map((area) => (
            <NavLink key={area.id} to={area.path} onClick={menu.close}>
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
        <button
          type="button"
          onClick={() =>
            void sessions.signOut().then((endSessionUrl) => {
              // A single sign-on ends at the provider too, where it has a page for that.
              if (endSessionUrl) window.location.assign(endSessionUrl);
            })
          }
        >
          Sign out
        </button>
      </header>
      <ConnectionBanner />
      <main className="content" id={mainContentId} ref={main} tabIndex={-1}>
        <Routes>
          {areas.map((area) => (
            <Route key={area.id} path={`${area.path}/*`} element={area.element} />
          ))}
          <Route path="*" element={<Navigate to={areas[0]?.path ?? '/'} replace />} />
        </Routes>
      </main>
      {/* The route announcer. Outside <main>, whose changes it would otherwise count as the page's. */}
      <p className="visually-hidden route-announcer" aria-live="polite" aria-atomic="true">
        {arrival && <span key={arrival.count}>{arrival.pageName}</span>}
      </p>
    </div>
  );
}

/**
 * Whether the phone menu (☰) is open. It covers the top of the page, so it closes on Escape and on any
 * navigation, a chat chosen under it included: it is open only at the address where it was opened.
 */
function usePhoneMenu() {
  const location = useLocation();
  const [openAt, setOpenAt] = useState<string | null>(null);
  const isOpen = openAt === location.key;
  const toggleRef = useRef<HTMLButtonElement>(null);
  const navRef = useRef<HTMLElement>(null);

  useEffect(() => {
    if (!isOpen) return;
    // On the document: after a tap on ☰, focus is on the toggle or nowhere, not in the menu.
    const closeOnEscape = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      // Closed, the menu is hidden: focus left on one of its links would fall to the body.
      if (navRef.current?.contains(document.activeElement)) toggleRef.current?.focus();
      setOpenAt(null);
    };
    document.addEventListener('keydown', closeOnEscape);
    return () => document.removeEventListener('keydown', closeOnEscape);
  }, [isOpen]);

  return {
    isOpen,
    toggleRef,
    navRef,
    toggle: () => setOpenAt(isOpen ? null : location.key),
    close: () => setOpenAt(null),
  };
}
