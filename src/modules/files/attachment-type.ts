import { detectDocumentType, documentMediaTypes, type DocumentType } from '../knowledge/parsing/index.js';

export type AttachmentKind = 'image' | 'document' | 'audio';

export interface AttachmentType {
  readonly kind: AttachmentKind;
  readonly mediaType: string;
  /** Set for documents: how to parse it. */
  readonly documentType?: DocumentType;
}

/** Images every vision-capable provider takes. */
const imageTypes = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

/** Audio transcription models accept these; file-type names some of them its own way. */
const audioTypes: Readonly<Record<string, string>> = {
  'audio/mpeg': 'audio/mpeg',
  'audio/wav': 'audio/wav',
  'audio/vnd.wave': 'audio/wav',
  'audio/x-wav': 'audio/wav',
  'audio/mp4': 'audio/mp4',
  'audio/x-m4a': 'audio/mp4',
  'audio/m4a': 'audio/mp4',
  'audio/ogg': 'audio/ogg',
  'audio/opus': 'audio/ogg',
  'audio/webm': 'audio/webm',
  'video/webm': 'audio/webm',
};

/**
 * What a file is, from its first bytes and never from its name (the name only breaks ties among text
 * formats); null when chat cannot use it.
 */
export async function detectAttachmentType(head: Uint8Array, filename: string): Promise<AttachmentType | null> {
  // Loaded on the first upload: a server that never receives a file does not hold file-type's tables.
  const { fileTypeFromBuffer } = await import('file-type');
  const sniffed = await fileTypeFromBuffer(head);
  if (sniffed && imageTypes.has(sniffed.mime)) return { kind: 'image', mediaType: sniffed.mime };
  const audio = sniffed && audioTypes[sniffed.mime];
  if (audio) return { kind: 'audio', mediaType: audio };
  const documentType = detectDocumentType(head, filename);
  if (documentType) return { kind: 'document', mediaType: documentMediaTypes[documentType], documentType };
  return null;
}

/** The kind of a stored file, from the media type detected at upload. */
export function attachmentKindOf(mediaType: string): AttachmentKind {
  if (mediaType.startsWith('image/')) return 'image';
  if (mediaType.startsWith('audio/')) return 'audio';
  return 'document';
}

/** The parser for a stored document, from the media type detected at upload. */
export function documentTypeOf(mediaType: string): DocumentType | undefined {
  return (Object.entries(documentMediaTypes) as [DocumentType, string][]).find(([, type]) => type === mediaType)?.[0];
}
