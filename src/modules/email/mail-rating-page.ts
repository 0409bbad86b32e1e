/**
 * The rating page's HTML (docs/email-inbox.md, "Rating by mail"): server-rendered, no script, a plain
 * form that posts back to its own address, so it works in any mail client's browser and without
 * JavaScript. Every text from storage is escaped.
 */
const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);

/** No script, no outside resource; the form posts only to this server. */
export const ratingPageCsp =
  "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'";

const style = `body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#1f2328;line-height:1.5}
fieldset{border:1px solid #8c959f;border-radius:6px;padding:.75rem 1rem}label{display:inline-block;margin-right:1rem}
textarea{width:100%;box-sizing:border-box;font:inherit}button{font:inherit;margin-top:1rem;padding:.4rem 1.2rem;background:#0b5cad;color:#fff;border:0;border-radius:6px}
button:focus,input:focus,textarea:focus{outline:3px solid #0b5cad;outline-offset:2px}`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Parley</title><style>${style}</style></head><body><main>${body}</main></body></html>`;
}

export function ratingFormPage(inboxName: string): string {
  const choices = [1, 2, 3, 4, 5]
    .map((value) => `<label><input type="radio" name="rating" value="${value}" required> ${value}</label>`)
    .join('');
  return page(
    'Rate your conversation',
    `<h1>How did ${escapeHtml(inboxName)} do?</h1>
<form method="post"><fieldset><legend>Your rating, from 1 (poor) to 5 (excellent)</legend>${choices}</fieldset>
<p><label for="comment">A comment, if you like</label><textarea id="comment" name="comment" rows="4" maxlength="2000"></textarea></p>
<button type="submit">Send my rating</button></form>`,
  );
}

export function ratedPage(inboxName: string, rating: number, isNew: boolean): string {
  return page(
    'Thank you',
    `<h1>Thank you</h1><p id="rating-result">${
      isNew ? 'Your rating' : 'This conversation was rated already:'
    } ${rating} of 5 for ${escapeHtml(inboxName)}${isNew ? ' is saved.' : '.'}</p>`,
  );
}

export function ratingErrorPage(message: string): string {
  return page(
    'This link cannot be used',
    `<h1>This link cannot be used</h1><p id="rating-error">${escapeHtml(message)}</p>`,
  );
}
