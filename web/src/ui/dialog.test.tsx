import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { Dialog } from './dialog';
import { mainContentId } from './page-heading';

afterEach(cleanup);

/** A page whose "Delete thing" opens a dialog; confirming removes the thing, its button with it. */
function PageWithThing() {
  const [isThere, setIsThere] = useState(true);
  const [isConfirming, setIsConfirming] = useState(false);
  return (
    <main id={mainContentId} tabIndex={-1}>
      <h1>Things</h1>
      {isThere && (
        <button type="button" onClick={() => setIsConfirming(true)}>
          Delete thing
        </button>
      )}
      {isConfirming && (
        <Dialog title="Delete the thing?" onClose={() => setIsConfirming(false)}>
          <button
            type="button"
            onClick={() => {
              setIsThere(false);
              setIsConfirming(false);
            }}
          >
            Delete
          </button>
        </Dialog>
      )}
    </main>
  );
}

function openDialog() {
  render(<PageWithThing />);
  const opener = screen.getByRole('button', { name: 'Delete thing' });
  opener.focus();
  fireEvent.click(opener);
  expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Delete' }));
  return opener;
}

describe('Dialog', () => {
  it('gives focus back to the button that opened it', () => {
    const opener = openDialog();
    fireEvent.keyDown(screen.getByRole('dialog'), { key: 'Escape' });
    expect(document.activeElement).toBe(opener);
  });

  it('gives focus to the page heading when the button that opened it is gone', () => {
    openDialog();
    fireEvent.click(screen.getByRole('button', { name: 'Delete' }));
    expect(screen.queryByRole('button', { name: 'Delete thing' })).toBeNull();
    expect(document.activeElement).toBe(screen.getByRole('heading', { name: 'Things' }));
  });
});
