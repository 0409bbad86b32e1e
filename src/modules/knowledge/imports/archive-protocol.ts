import type { ArchiveLimits } from './archive-entries.js';

/** What the archive worker is started with (its workerData). */
export interface ArchiveWorkerData {
  readonly filePath: string;
  readonly label: string;
  readonly limits: ArchiveLimits;
}

/** One entry as listed: no bytes yet. */
export interface ListedEntry {
  readonly path: string;
  readonly declaredBytes: number;
  readonly refusal?: string;
}

/** The server's requests, one at a time: the next chunk of an entry (starting it), or stop reading it. */
export type ArchiveCommand =
  { readonly kind: 'pull'; readonly entryIndex: number } | { readonly kind: 'abandon'; readonly entryIndex: number };

/** The worker's answers: the listing (or why the whole zip is refused), then one per pull. */
export type ArchiveReport =
  | { readonly kind: 'listed'; readonly entries: readonly ListedEntry[] }
  | { readonly kind: 'refused'; readonly code: 'validation_failed' | 'payload_too_large'; readonly message: string }
  | { readonly kind: 'chunk'; readonly entryIndex: number; readonly bytes: Uint8Array }
  | { readonly kind: 'end'; readonly entryIndex: number }
  | { readonly kind: 'entry-failed'; readonly entryIndex: number; readonly message: string };
