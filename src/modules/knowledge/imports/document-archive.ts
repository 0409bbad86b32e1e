import { detectDocumentType } from '../parsing/index.js';

/** A zip of documents, and not a Word document (which is a zip too, and a document of its own). */
export function isDocumentArchive(head: Uint8Array): boolean {
  const isZip = head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
  return isZip && detectDocumentType(head) !== 'docx';
}
