import { targetStateLabels, type ConversationTargets } from './support-api';

/**
 * "Due soon" or "Breached" beside a conversation: the words carry the meaning, the colour only repeats it.
 * Nothing while the targets are on track or none run.
 */
export function TargetBadge({ targets }: { targets: ConversationTargets | undefined }) {
  const state = targets?.state;
  if (state !== 'due_soon' && state !== 'breached') return null;
  return (
    <>
      <span className={`badge ${state === 'breached' ? 'badge-danger' : 'badge-warning'}`}>
        {targetStateLabels[state]}
      </span>{' '}
    </>
  );
}
