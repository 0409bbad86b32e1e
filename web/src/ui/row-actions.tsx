import type { ReactNode } from 'react';
import { Link } from 'react-router';

/**
 * The actions cell of a list row: an optional Edit link, any extra buttons, and Delete. The row's name
 * is part of each button's accessible name ("Delete Alice"), so a screen reader can tell rows apart.
 * Without `onDelete` there is no Delete button (a row the server would refuse to delete).
 */
export function RowActions(props: { name: string; editTo?: string; onDelete?: () => void; children?: ReactNode }) {
  // The space outside the hidden span: accessible-name code that trims each element's text keeps it.
  const forRow = (
    <>
      {' '}
      <span className="visually-hidden">{props.name}</span>
    </>
  );
  return (
    <div className="row">
      {props.editTo !== undefined && (
        <Link className="button" to={props.editTo}>
          Edit{forRow}
        </Link>
      )}
      {props.children}
      {props.onDelete && (
        <button type="button" className="danger" onClick={props.onDelete}>
          Delete{forRow}
        </button>
      )}
    </div>
  );
}
