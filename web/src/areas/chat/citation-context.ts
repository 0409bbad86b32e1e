import { createContext, useContext } from 'react';

/** Lets a `[n]` marker inside a rendered reply open its source in the reply's citations. */
export interface CitationOpener {
  open: (marker: number) => void;
  /** The marker whose source is open, if any. */
  openMarker: number | null;
}

export const CitationContext = createContext<CitationOpener | null>(null);

export const useCitationOpener = () => useContext(CitationContext);
