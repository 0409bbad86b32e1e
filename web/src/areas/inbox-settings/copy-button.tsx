import { useState } from 'react';

/** Copies `text` and says whether it worked (a browser may refuse the clipboard). */
export function CopyButton(props: { text: string; label?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  async function copy() {
    try {
      await navigator.clipboard.writeText(props.text);
      setState('copied');
    } catch {
      setState('failed');
    }
  }
  return (
    <span className="row copy-button">
      <button type="button" onClick={() => void copy()}>
        {props.label ?? 'Copy'}
      </button>
      <span className="muted" role="status">
        {state === 'copied'
          ? 'Copied.'
          : state === 'failed'
            ? 'The browser did not allow copying; select and copy it.'
            : ''}
      </span>
    </span>
  );
}
