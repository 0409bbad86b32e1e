import { lazy, Suspense } from 'react';

const SafeMarkdown = lazy(() => import('./safe-markdown').then((module) => ({ default: module.SafeMarkdown })));

/** SafeMarkdown in a chunk of its own (the parser and highlighter are heavy); the plain text shows meanwhile. */
export function LazyMarkdown({ text, citationMarkers }: { text: string; citationMarkers?: readonly number[] }) {
  return (
    <Suspense fallback={<p className="user-text">{text}</p>}>
      <SafeMarkdown text={text} citationMarkers={citationMarkers} />
    </Suspense>
  );
}
