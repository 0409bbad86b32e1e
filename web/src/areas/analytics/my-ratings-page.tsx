import { useState } from 'react';
import { defaultFilters } from './analytics-api';
import { RangeFields } from './analytics-filters';
import { CsatSection } from './csat-section';

/**
 * An operator's own ratings: the CSAT figures and low ratings of the conversations they answered. The API
 * narrows the same report to them (docs/analytics.md); the dashboard's other figures are for admins.
 */
export function MyRatingsPage() {
  const [filters, setFilters] = useState(defaultFilters);
  return (
    <section className="stack analytics" aria-labelledby="my-ratings-heading">
      <h1 id="my-ratings-heading">Your ratings</h1>
      <p className="muted">What contacts rated the conversations you answered.</p>
      <form className="analytics-filters" onSubmit={(event) => event.preventDefault()} aria-label="Filters">
        <RangeFields filters={filters} onChange={setFilters} />
      </form>
      <CsatSection filters={filters} />
    </section>
  );
}
