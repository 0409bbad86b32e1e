import { useEffect, useState } from 'react';
import { useServices } from '../../app-context';

/**
 * An image the contact sent from the widget: read with the operator's token (an <img src> cannot send
 * it) from GET /v1/files/{id}/content, shown from memory, forgotten when the line goes.
 */
export function SupportImage({ fileId, filename }: { fileId: string; filename: string }) {
  const { authedFetch } = useServices();
  const [url, setUrl] = useState<string | null>(null);
  const [isMissing, setIsMissing] = useState(false);
  useEffect(() => {
    let objectUrl: string | null = null;
    let isCurrent = true;
    void authedFetch(`/v1/files/${fileId}/content`)
      .then((response) => (response.ok ? response.blob() : null))
      .then((blob) => {
        if (!isCurrent) return;
        if (!blob) return setIsMissing(true);
        objectUrl = URL.createObjectURL(blob);
        setUrl(objectUrl);
      })
      .catch(() => isCurrent && setIsMissing(true));
    return () => {
      isCurrent = false;
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [authedFetch, fileId]);
  if (isMissing) return <p className="muted">The image “{filename}” could not be shown.</p>;
  if (!url) return <p className="muted">Loading the image…</p>;
  return <img className="support-image" src={url} alt={`Image from the contact: ${filename}`} />;
}
