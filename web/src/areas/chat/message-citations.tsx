import { useEffect, useId, useRef } from 'react';
import { PaperclipIcon } from '../../ui/paperclip-icon';
import type { Attachment, Citation } from './chat-api';
import { SearchedInstead } from '../../ui/searched-instead';

const location = (citation: Citation) =>
  [citation.page !== null ? `page ${citation.page}` : null, ...citation.headingPath].filter(Boolean).join(' › ');

/** What tells passages of one document apart on a chip: the page, else the nearest heading. */
const whereShort = (citation: Citation) =>
  citation.page !== null ? `p. ${citation.page}` : (citation.headingPath.at(-1) ?? '');

/**
 * The sources a reply cites, numbered like its `[n]` markers. Choosing one (here or a marker in the
 * text) opens a panel with the passage, its document and page; the excerpt is text, never HTML.
 */
export function MessageCitations(props: {
  citations: Citation[];
  openMarker: number | null;
  onToggle: (marker: number) => void;
}) {
  const panelId = useId();
  const panel = useRef<HTMLDivElement>(null);
  const open = props.citations.find((citation) => citation.marker === props.openMarker);
  // One search found them all, so every citation carries the same corrections.
  const corrections = props.citations.find((citation) => citation.queryCorrections?.length)?.queryCorrections ?? [];

  useEffect(() => {
    if (open) panel.current?.scrollIntoView?.({ block: 'nearest' });
  }, [open]);

  return (
    <div className="citations">
      <h3 className="citations-heading">Sources</h3>
      {corrections.length > 0 && (
        <p className="muted citations-corrections">
          <SearchedInstead corrections={corrections} />
        </p>
      )}
      <ol className="citation-list" aria-label="Sources">
        {props.citations.map((citation) => (
          <li key={`${citation.marker}-${citation.chunkId}`}>
            <button
              type="button"
              className="citation-chip"
              aria-expanded={citation.marker === props.openMarker}
              aria-controls={citation.marker === props.openMarker ? panelId : undefined}
              onClick={() => props.onToggle(citation.marker)}
            >
              <span className="citation-number">{citation.marker}</span>
              <span className="citation-title">
                {citation.documentTitle}
                {whereShort(citation) && <span className="muted"> · {whereShort(citation)}</span>}
              </span>
            </button>
          </li>
        ))}
      </ol>
      {open && (
        <div
          ref={panel}
          id={panelId}
          className="citation-panel"
          role="region"
          aria-label={`Source ${open.marker}: ${open.documentTitle}`}
        >
          <div className="row citation-panel-head">
            <span className="citation-number">{open.marker}</span>
            <strong className="citation-title">{open.documentTitle}</strong>
            <span className="spacer" />
            <button type="button" className="link" onClick={() => props.onToggle(open.marker)}>
              Close
            </button>
          </div>
          {location(open) && <p className="muted citation-location">{location(open)}</p>}
          <blockquote className="citation-excerpt">
            {open.excerpt || 'No excerpt was stored for this passage.'}
          </blockquote>
        </div>
      )}
    </div>
  );
}

/** The files a person sent with a message, as chips. */
export function AttachmentChips({ attachments }: { attachments: Attachment[] }) {
  return (
    <ul className="attachment-chips" aria-label="Attached files">
      {attachments.map((attachment) => (
        <li key={attachment.fileId} className="attachment-chip" title={attachment.mediaType}>
          <PaperclipIcon />
          {attachment.filename}
        </li>
      ))}
    </ul>
  );
}
