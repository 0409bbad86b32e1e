/** A conversation's unread messages in the sidebar (the list's `unreadCount`); nothing when all are read. */
export function UnreadBadge({ count }: { count: number | undefined }) {
  if (!count) return null;
  const shown = count > 99 ? '99+' : String(count);
  return (
    <span className="badge unread-badge" aria-label={`${count} unread`}>
      {shown}
    </span>
  );
}
