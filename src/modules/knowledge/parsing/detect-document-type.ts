import type { DocumentType } from './parsed-document.js';

export const documentMediaTypes: Record<DocumentType, string> = {
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  html: 'text/html',
  markdown: 'text/markdown',
  text: 'text/plain',
  csv: 'text/csv',
  json: 'application/json',
};

export function detectDocumentType(_head: Uint8Array, _filename?: string): DocumentType | null {
  return null;
}
