import { useEffect, useRef, useState, type RefObject } from 'react';
import { useLocation } from 'react-router';
import { findPageHeading, focusPageHeading, isFocusLost, pageNameOf } from '../ui/page-heading';

const appName = 'Parley';

/** One announcement of a page arrived at; the count tells two arrivals at same-named pages apart. */
export interface Arrival {
  pageName: string;
  count: number;
}

/**
 * What a change of screen tells those who cannot see it (WCAG 2.4.2, 2.4.3, 4.1.3). It watches `main`
 * rather than asking each page, because a page's heading often appears only once its data is read:
 * - the document's title follows the page's heading ("Agents – Parley"), renames included;
 * - after a navigation, once the new page's heading is there, the arrival is returned for the route
 *   announcer, and focus goes to that heading if it was lost (on the body: the link or button that
 *   navigated is gone). Focus a component placed on purpose (the chat composer) stays where it is;
 * - focus lost because the element holding it was removed from the page (a deleted row's button)
 *   goes to the heading too, rather than back to the top of the document.
 */
export function usePageArrival(mainRef: RefObject<HTMLElement | null>): Arrival | null {
  const { pathname } = useLocation();
  const [arrival, setArrival] = useState<Arrival | null>(null);
  const shownPathname = useRef(pathname);
  const lastFocused = useRef<Element | null>(null);

  useEffect(() => {
    const main = mainRef.current;
    if (!main) return;
    // The first page is announced by the browser's own page load: only later ones are news.
    let isArriving = shownPathname.current !== pathname;
    shownPathname.current = pathname;

    const update = () => {
      const heading = findPageHeading(main);
      const pageName = heading ? pageNameOf(heading) : '';
      const title = pageName ? `${pageName} – ${appName}` : appName;
      if (document.title !== title) document.title = title;
      if (isArriving && pageName) {
        isArriving = false;
        setArrival((previous) => ({ pageName, count: (previous?.count ?? 0) + 1 }));
        if (isFocusLost()) focusPageHeading();
      } else if (isFocusLost() && lastFocused.current && !lastFocused.current.isConnected) {
        focusPageHeading();
      }
    };
    const rememberFocus = (event: FocusEvent) => {
      lastFocused.current = event.target instanceof Element ? event.target : null;
    };
    // Focus let go of on purpose (a click on the page's background) is not focus lost: forget the
    // element, or its later removal by a list refresh would pull the page up to its heading.
    const forgetLetGoFocus = (event: FocusEvent) => {
      const element = event.target;
      queueMicrotask(() => {
        if (element instanceof Element && element.isConnected && isFocusLost() && lastFocused.current === element) {
          lastFocused.current = null;
        }
      });
    };

    update();
    const observer = new MutationObserver(update);
    observer.observe(main, {
      subtree: true,
      childList: true,
      characterData: true,
      attributes: true,
      attributeFilter: ['data-page-title'],
    });
    main.addEventListener('focusin', rememberFocus);
    main.addEventListener('focusout', forgetLetGoFocus);
    return () => {
      observer.disconnect();
      main.removeEventListener('focusin', rememberFocus);
      main.removeEventListener('focusout', forgetLetGoFocus);
    };
  }, [mainRef, pathname]);

  // Signed out, the sign-in screen is not the last page seen.
  useEffect(
    () => () => {
      document.title = appName;
    },
    [],
  );

  return arrival;
}
