import { memo, useMemo, type ComponentProps, type ReactNode } from 'react';
import Markdown, { type Components, type Options } from 'react-markdown';
import rehypeHighlight from 'rehype-highlight';
import remarkGfm from 'remark-gfm';
import { useCitationOpener } from '../citation-context';
import { remarkCitationMarkers } from './citation-markers';
import { CodeBlock } from './code-block';
import { DeferredImage } from './deferred-image';
import { safeLinkUrl, transformMarkdownUrl } from './safe-url';

/** A link from a reply: only to the web or a mail client, in a new tab, telling the target nothing. */
function SafeLink({ href, children }: ComponentProps<'a'>) {
  const url = href ? safeLinkUrl(href) : undefined;
  if (!url) return <span className="dropped-link">{children}</span>;
  return (
    <a href={url} target="_blank" rel="noopener noreferrer">
      {children}
    </a>
  );
}

/** A `[n]` the reply cites: a button that opens source n under the reply. */
function CitationMarker({ marker, children }: { marker: number; children: ReactNode }) {
  const opener = useCitationOpener();
  if (!opener) return <sup>{children}</sup>;
  return (
    <sup className="citation-marker">
      <button
        type="button"
        className="citation-marker-button"
        aria-label={`Source ${marker}`}
        aria-expanded={opener.openMarker === marker}
        onClick={() => opener.open(marker)}
      >
        {children}
      </button>
    </sup>
  );
}

const components: Components = {
  a: ({ href, children }) => <SafeLink href={href}>{children}</SafeLink>,
  img: ({ src, alt }) => <DeferredImage src={typeof src === 'string' ? src : undefined} alt={alt} />,
  pre: ({ node, children }) => <CodeBlock node={node}>{children}</CodeBlock>,
  sup: ({ node, children }) => {
    const marker = node?.properties.dataMarker;
    return typeof marker === 'number' ? (
      <CitationMarker marker={marker}>{children}</CitationMarker>
    ) : (
      <sup>{children}</sup>
    );
  },
};

const remarkPlugins = [remarkGfm];
const noMarkers: readonly number[] = [];
const rehypePlugins = [rehypeHighlight];

/**
 * Markdown written by a model, rendered safely: raw HTML shows as text (react-markdown never parses
 * it without rehype-raw, which we do not use), every URL goes through `transformMarkdownUrl`, links
 * open in a new tab without a referrer, and images wait for a click. The `[n]` of `citationMarkers`
 * become buttons that open their source.
 */
export const SafeMarkdown = memo(function SafeMarkdown({
  text,
  citationMarkers = noMarkers,
}: {
  text: string;
  citationMarkers?: readonly number[];
}) {
  const markersKey = citationMarkers.join(',');
  const plugins = useMemo((): NonNullable<Options['remarkPlugins']> => {
    if (!markersKey) return remarkPlugins;
    return [...remarkPlugins, [remarkCitationMarkers, { markers: markersKey.split(',').map(Number) }]];
  }, [markersKey]);
  return (
    <div className="markdown">
      <Markdown
        remarkPlugins={plugins}
        rehypePlugins={rehypePlugins}
        components={components}
        urlTransform={transformMarkdownUrl}
      >
        {text}
      </Markdown>
    </div>
  );
});
