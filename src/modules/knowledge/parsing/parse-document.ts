import { AppError } from '../../../platform/errors.js';
import type { DocumentType, ParsedDocument, ParseLimits } from './parsed-document.js';

export async function parseDocument(
  _filePath: string,
  _type: DocumentType,
  _limits: ParseLimits,
  _signal?: AbortSignal,
): Promise<ParsedDocument> {
  throw new AppError('unprocessable', 'Parsing is not available yet');
}
