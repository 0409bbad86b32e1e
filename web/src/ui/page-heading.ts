/** The id of the shell's <main>: the skip link's target and where a lost focus is brought back. */
export const mainContentId = 'main-content';

/**
 * The heading that names the page shown in `main`: an element marked `data-page-title` (a chat's title,
 * which is an h2 beside the "Chats" h1), else the first h1. A marked element whose attribute is still
 * empty means the name is not known yet (still loading).
 */
export function findPageHeading(main: HTMLElement): HTMLElement | null {
  return main.querySelector<HTMLElement>('[data-page-title]') ?? main.querySelector<HTMLElement>('h1');
}

/** The page's name as the heading gives it; empty while it is still loading. */
export function pageNameOf(heading: HTMLElement): string {
  return (heading.dataset.pageTitle ?? heading.textContent ?? '').trim();
}

/** Focus is nowhere a person can see it: on the body, after the focused element was removed or hidden. */
export function isFocusLost(): boolean {
  return document.activeElement === null || document.activeElement === document.body;
}

/**
 * Moves focus to the heading of the page (made focusable by script only), or to `main` itself if the
 * page has none, so that a keyboard or screen reader user goes on from the top of the content.
 */
export function focusPageHeading(): void {
  const main = document.getElementById(mainContentId);
  if (!main) return;
  const heading = findPageHeading(main);
  if (heading && !heading.hasAttribute('tabindex')) heading.tabIndex = -1;
  heading?.focus();
  // A heading hidden at this width (the chat list's, on a phone) takes no focus.
  if (document.activeElement !== heading) main.focus();
}
