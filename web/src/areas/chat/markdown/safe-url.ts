const linkProtocols = new Set(['http:', 'https:', 'mailto:']);
const imageProtocols = new Set(['http:', 'https:']);

/** An absolute URL whose protocol is in `allowed`, normalised; undefined for anything else. */
function allowedUrl(value: string, allowed: ReadonlySet<string>): string | undefined {
  let url: URL;
  try {
    // No base: relative URLs (which would point into the console itself) are refused too.
    url = new URL(value.trim());
  } catch {
    return undefined;
  }
  return allowed.has(url.protocol) ? url.href : undefined;
}

/** Links a model writes may go to the web or open a mail client; `javascript:`, `data:` and the like are dropped. */
export const safeLinkUrl = (value: string): string | undefined => allowedUrl(value, linkProtocols);

/** Images may only come from the web, and even then only load when the person asks. */
export const safeImageUrl = (value: string): string | undefined => allowedUrl(value, imageProtocols);

/**
 * react-markdown's `urlTransform`: every URL attribute of the rendered tree passes through here, so
 * nothing unsafe reaches the DOM even for elements without a custom component.
 */
export function transformMarkdownUrl(url: string, key: string, node: { tagName: string }): string | undefined {
  if (node.tagName === 'img' && key === 'src') return safeImageUrl(url);
  return safeLinkUrl(url);
}
