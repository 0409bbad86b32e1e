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

/**
 * A file the contact sent that is not an image (an email's PDF, a document, a recording): a button that
 * reads it with the operator's token and saves it under its name. Saved, never opened in the console's
 * own page: a file the contact chose is not trusted to render there.
 */
export function SupportFile({ fileId, filename }: { fileId: string; filename: string }) {
  const { authedFetch } = useServices();
  const [problem, setProblem] = useState<string | null>(null);
  const [isBusy, setIsBusy] = useState(false);
  async function download() {
    setProblem(null);
    setIsBusy(true);
    try {
      const response = await authedFetch(`/v1/files/${fileId}/content`);
      if (!response.ok) throw new Error(`The file could not be read (${response.status})`);
      const link = document.createElement('a');
      link.href = URL.createObjectURL(await response.blob());
      link.download = filename;
      link.click();
      URL.revokeObjectURL(link.href);
    } catch (error) {
      setProblem(error instanceof Error ? error.message : 'The file could not be read');
    } finally {
      setIsBusy(false);
    }
  }
  return (
    <>
      <button type="button" onClick={() => void download()} disabled={isBusy}>
        {filename}
      </button>
      {problem ? (
        <span className="support-file-problem" role="alert">
          {' '}
          {problem}
        </span>
      ) : null}
    </>
  );
}
