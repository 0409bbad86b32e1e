/** What `GET /v1/analytics/csat` and `/csat/low-ratings` answer (docs/analytics.md), as the dashboard reads them. */
export type CsatGrouping = 'operator' | 'inbox' | 'label';

export interface CsatFigures {
  ratings: number;
  average: number | null;
  satisfiedShare: number | null;
}

export interface CsatGroup extends CsatFigures {
  key: string | null;
  name: string;
  series: (CsatFigures & { start: string })[];
}

export interface CsatReport {
  range: { from: string; to: string; interval: 'day' | 'week'; groupBy: CsatGrouping; inboxId: string | null };
  satisfiedFrom: number;
  totals: CsatFigures;
  groups: CsatGroup[];
}

export interface LowRating {
  supportConversationId: string;
  rating: number;
  comment: string | null;
  contact: { id: string; name: string };
  operator: { id: string; name: string } | null;
  inbox: { id: string; name: string };
  labels: string[];
  ratedAt: string;
}

export interface LowRatingsPage {
  items: LowRating[];
  nextCursor: string | null;
}

/** The range and inbox of the dashboard's filters, as both CSAT requests take them. */
export function csatQuery(filters: { from: string; to: string; inboxId: string }): URLSearchParams {
  const params = new URLSearchParams({ from: filters.from, to: filters.to });
  if (filters.inboxId) params.set('inboxId', filters.inboxId);
  return params;
}
