/**
 * How a file's text is given to a model in a user message: one heading line naming the file, then
 * its text. Written by the files module for every model, and read back by the offline model, which
 * answers from it; one place, so the two cannot drift apart.
 */
const labels = { document: 'Attached file', audio: 'Transcript of the attached audio' } as const;

export function formatAttachedText(
  file: { readonly filename: string; readonly kind: keyof typeof labels; readonly note?: string },
  text: string,
): string {
  // The name as a JSON string: a quote in it cannot end it early for the reader below.
  return `${labels[file.kind]} ${JSON.stringify(file.filename)}${file.note ? ` (${file.note})` : ''}:\n${text}`;
}

const heading = new RegExp(`^(?:${Object.values(labels).join('|')}) ("(?:[^"\\\\\\n]|\\\\.)*")[^\\n]*:\\n`);

/** A file's name and the text a model was given of it. */
export interface AttachedText {
  readonly filename: string;
  readonly text: string;
}

/** The file named by a text part that `formatAttachedText` wrote, with its text; undefined for any other part. */
export function parseAttachedText(part: string): AttachedText | undefined {
  const match = heading.exec(part);
  if (!match) return undefined;
  return { filename: JSON.parse(match[1]!) as string, text: part.slice(match[0].length) };
}
