import { memo, type ComponentProps } from 'react';
import Markdown, { type Components } from 'react-markdown';
import rehypeHighlight from 'rehype-highlight';
import remarkGfm from 'remark-gfm';
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

const components: Components = {
  a: ({ href, children }) => <SafeLink href={href}>{children}</SafeLink>,
  img: ({ src, alt }) => <DeferredImage src={typeof src === 'string' ? src : undefined} alt={alt} />,
  pre: ({ node, children }) => <CodeBlock node={node}>{children}</CodeBlock>,
};

const remarkPlugins = [remarkGfm];
const rehypePlugins = [rehypeHighlight];

/**
 * Markdown written by a model, rendered safely: raw HTML shows as text (react-markdown never parses
 * it without rehype-raw, which we do not use), every URL goes through `transformMarkdownUrl`, links
 * open in a new tab without a referrer, and images wait for a click.
 */
export const SafeMarkdown = memo(function SafeMarkdown({ text }: { text: string }) {
  return (
    <div className="markdown">
      <Markdown
        remarkPlugins={remarkPlugins}
        rehypePlugins={rehypePlugins}
        components={components}
        urlTransform={transformMarkdownUrl}
      >
        {text}
      </Markdown>
    </div>
  );
});
