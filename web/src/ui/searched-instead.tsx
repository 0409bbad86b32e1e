/** A word the search read differently from how it was typed (the server's query correction). */
export interface SearchedWord {
  readonly from: string;
  readonly to: string;
}

/** "Searched for **refund** instead of *refnud*." — what knowledge search corrected, where results are shown. */
export function SearchedInstead({ corrections }: { corrections: readonly SearchedWord[] }) {
  return (
    <>
      Searched for{' '}
      {corrections.map((correction, index) => (
        <span key={`${correction.from}→${correction.to}`}>
          {index > 0 && ', '}
          <strong>{correction.to}</strong> instead of <em>{correction.from}</em>
        </span>
      ))}
      .
    </>
  );
}
