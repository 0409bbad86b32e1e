import { useEffect, useRef, type RefObject } from 'react';

/**
 * Calls `onVisible` whenever the returned ref's element scrolls into view inside `root` (the
 * viewport when none): infinite lists put it on a sentinel at their end. Where IntersectionObserver
 * is missing nothing happens, so a visible "Load more" button should remain as the fallback.
 */
export function useOnVisible<Element extends HTMLElement>(
  onVisible: () => void,
  options: {
    root?: RefObject<HTMLElement | null>;
    isEnabled?: boolean;
    rootMargin?: string;
    /** Observing starts afresh when this changes (e.g. the item count), so a sentinel still in view fires again. */
    resetKey?: unknown;
  } = {},
): RefObject<Element | null> {
  const target = useRef<Element>(null);
  const callback = useRef(onVisible);
  useEffect(() => {
    callback.current = onVisible;
  });
  const { root, isEnabled = true, rootMargin = '120px', resetKey } = options;

  useEffect(() => {
    const node = target.current;
    if (!isEnabled || !node || typeof IntersectionObserver === 'undefined') return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((entry) => entry.isIntersecting)) callback.current();
      },
      { root: root?.current ?? null, rootMargin },
    );
    observer.observe(node);
    return () => observer.disconnect();
  }, [root, isEnabled, rootMargin, resetKey]);

  return target;
}
