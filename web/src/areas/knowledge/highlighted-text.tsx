/** The marks the retrieval code puts around a matched term (src/modules/knowledge/retrieval). */
const markPattern = /«([^«»]*)»/g;

/** Splits text into plain and matched pieces, in order; an unpaired mark stays as text. */
export function splitHighlights(text: string): { text: string; isMatch: boolean }[] {
  const pieces: { text: string; isMatch: boolean }[] = [];
  let last = 0;
  for (const match of text.matchAll(markPattern)) {
    if (match.index > last) pieces.push({ text: text.slice(last, match.index), isMatch: false });
    pieces.push({ text: match[1] ?? '', isMatch: true });
    last = match.index + match[0].length;
  }
  if (last < text.length) pieces.push({ text: text.slice(last), isMatch: false });
  return pieces;
}

/**
 * A passage with its matches in <mark>. Every piece is a React text node, so whatever the document
 * contained (`<script>`, `<img onerror>`) shows as text and never becomes HTML.
 */
export function HighlightedText({ text }: { text: string }) {
  return (
    <>
      {splitHighlights(text).map((piece, index) =>
        piece.isMatch ? <mark key={index}>{piece.text}</mark> : <span key={index}>{piece.text}</span>,
      )}
    </>
  );
}
