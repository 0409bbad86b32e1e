import { parse } from 'csv-parse/sync';
import { AppError } from '../../../platform/errors.js';
import { caseInput, type CaseInput } from './evaluation-sets.schemas.js';

/** The most problems one refused import lists: enough to fix a file in one go, not a wall of text. */
const problemsShown = 20;

/** CSV columns, as a spreadsheet's header row names them; lists are separated by `|`. */
const csvColumns = [
  'question',
  'expected_sources',
  'must_include',
  'must_not_include',
  'expect_handoff',
  'max_length',
  'note',
] as const;

const yes = new Set(['yes', 'true', '1', 'y']);
const no = new Set(['no', 'false', '0', 'n']);

/**
 * Reads an imported file into cases, all or nothing: every line or row is checked first, and a file
 * with any bad one is refused with each problem's line and field, so nothing is half imported.
 */
export function readImportedCases(format: 'jsonl' | 'csv', content: string): CaseInput[] {
  const entries = format === 'jsonl' ? jsonlEntries(content) : csvEntries(content);
  const cases: CaseInput[] = [];
  const problems: { field: string; message: string }[] = [];
  for (const entry of entries) {
    if ('problem' in entry) {
      problems.push({ field: `line ${entry.line}`, message: entry.problem });
      continue;
    }
    const parsed = caseInput.safeParse(entry.value);
    if (parsed.success) cases.push(parsed.data);
    else {
      for (const issue of parsed.error.issues) {
        const path = issue.path.join('.') || 'case';
        problems.push({ field: `line ${entry.line}: ${path}`, message: issue.message });
      }
    }
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, problemsShown);
    const more = problems.length > shown.length ? ` (and ${problems.length - shown.length} more)` : '';
    throw new AppError(
      'validation_failed',
      `Nothing was imported: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the file${more}. The first: ${shown[0]!.field}: ${shown[0]!.message}`,
      { fields: shown },
    );
  }
  if (cases.length === 0) throw new AppError('validation_failed', 'The file holds no cases');
  return cases;
}

type Entry = { line: number; value: unknown } | { line: number; problem: string };

function jsonlEntries(content: string): Entry[] {
  const entries: Entry[] = [];
  content.split(/\r?\n/).forEach((text, index) => {
    if (text.trim() === '') return;
    try {
      entries.push({ line: index + 1, value: JSON.parse(text) as unknown });
    } catch {
      entries.push({ line: index + 1, problem: 'is not one JSON object (JSONL has one case per line)' });
    }
  });
  return entries;
}

function csvEntries(content: string): Entry[] {
  let records: Record<string, string>[];
  try {
    const options = { columns: true, bom: true, skip_empty_lines: true, trim: true } as const;
    records = parse<Record<string, string>>(content, options);
  } catch (error) {
    const where = error instanceof Error && 'lines' in error ? ` near line ${String(error.lines)}` : '';
    throw new AppError('validation_failed', `The CSV could not be read${where}: check its quotes and columns`);
  }
  const unknown = Object.keys(records[0] ?? {}).filter((column) => !(csvColumns as readonly string[]).includes(column));
  if (unknown.length > 0) {
    throw new AppError(
      'validation_failed',
      `Unknown CSV column${unknown.length === 1 ? '' : 's'} ${unknown.map((column) => `'${column}'`).join(', ')}: the columns are ${csvColumns.join(', ')}`,
    );
  }
  // Line numbers as a spreadsheet shows them: the header is line 1.
  return records.map((record, index) => csvEntry(record, index + 2));
}

function csvEntry(record: Record<string, string>, line: number): Entry {
  const list = (value: string | undefined) =>
    (value ?? '')
      .split('|')
      .map((part) => part.trim())
      .filter(Boolean);
  const handoff = (record.expect_handoff ?? '').toLowerCase();
  if (handoff !== '' && !yes.has(handoff) && !no.has(handoff)) {
    return { line, problem: `expect_handoff must be yes, no or empty, not '${record.expect_handoff}'` };
  }
  const maxLength = record.max_length ? Number(record.max_length) : null;
  return {
    line,
    value: {
      question: record.question,
      expectedSources: list(record.expected_sources),
      mustInclude: list(record.must_include),
      mustNotInclude: list(record.must_not_include),
      expectHandoff: handoff === '' ? null : yes.has(handoff),
      maxLength,
      note: record.note ?? '',
    },
  };
}
