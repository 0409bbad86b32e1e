import { FieldGroup, TextField } from '../../ui/field';
import type { ReplyTargets } from './teams-api';

/** The form's text of each target: empty for none. */
export interface ReplyTargetsDraft {
  firstResponse: string;
  nextResponse: string;
  resolution: string;
  isBusinessHoursOnly: boolean;
}

const textOf = (minutes: number | undefined | null) => (minutes == null ? '' : String(minutes));
const minutesOf = (text: string) => (text.trim() === '' ? undefined : Number(text));

export const replyTargetsDraftOf = (targets: ReplyTargets | null | undefined): ReplyTargetsDraft => ({
  firstResponse: textOf(targets?.firstResponseMinutes),
  nextResponse: textOf(targets?.nextResponseMinutes),
  resolution: textOf(targets?.resolutionMinutes),
  isBusinessHoursOnly: targets?.isBusinessHoursOnly ?? false,
});

/** No target at all is `null`: the inbox has none (a team's still apply to the team's conversations). */
export function replyTargetsOf(draft: ReplyTargetsDraft): ReplyTargets | null {
  const targets = {
    firstResponseMinutes: minutesOf(draft.firstResponse),
    nextResponseMinutes: minutesOf(draft.nextResponse),
    resolutionMinutes: minutesOf(draft.resolution),
  };
  if (Object.values(targets).every((value) => value === undefined)) return null;
  return {
    ...(targets.firstResponseMinutes !== undefined && { firstResponseMinutes: targets.firstResponseMinutes }),
    ...(targets.nextResponseMinutes !== undefined && { nextResponseMinutes: targets.nextResponseMinutes }),
    ...(targets.resolutionMinutes !== undefined && { resolutionMinutes: targets.resolutionMinutes }),
    isBusinessHoursOnly: draft.isBusinessHoursOnly,
  };
}

/** An inbox's reply-time targets: first reply, next reply, resolution, and whether only open hours count. */
export function ReplyTargetsFields(props: {
  value: ReplyTargetsDraft;
  onChange: (value: ReplyTargetsDraft) => void;
  error: unknown;
}) {
  const { value, onChange, error } = props;
  const minutesField = (label: string, field: string, key: 'firstResponse' | 'nextResponse' | 'resolution') => (
    <TextField
      label={label}
      field={`replyTargets.${field}`}
      error={error}
      type="number"
      min={1}
      max={43200}
      inputMode="numeric"
      value={value[key]}
      onValueChange={(text) => onChange({ ...value, [key]: text })}
    />
  );
  return (
    <FieldGroup legend="Reply-time targets (minutes; empty: none)" field="replyTargets" error={error}>
      <p className="muted small">
        Due times show in the queue; a breach is announced by webhook. A team's targets win over the inbox's for the
        team's conversations.
      </p>
      {minutesField('First reply within', 'firstResponseMinutes', 'firstResponse')}
      {minutesField('Next reply within', 'nextResponseMinutes', 'nextResponse')}
      {minutesField('Resolved within', 'resolutionMinutes', 'resolution')}
      <label className="inline">
        <input
          type="checkbox"
          checked={value.isBusinessHoursOnly}
          onChange={(event) => onChange({ ...value, isBusinessHoursOnly: event.target.checked })}
        />{' '}
        Count business hours only
      </label>
    </FieldGroup>
  );
}
