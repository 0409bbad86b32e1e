import type { ReactNode } from 'react';
import { hasRoleAtLeast, useSignedInSession } from '../../app-context';
import type { Role } from '../../ui/roles';

/**
 * Renders its children only for people with at least `minimum`. The shell already leaves out areas a
 * role may not use; this guards the pages below them too, whatever the route table says.
 */
export function RequireRole(props: { minimum: Role; children: ReactNode; otherwise: ReactNode }) {
  const session = useSignedInSession();
  return <>{hasRoleAtLeast(session.user.role, props.minimum) ? props.children : props.otherwise}</>;
}
