import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useServices } from '../../app-context';
import { ErrorNotice } from '../../ui/error-notice';

export interface QuietHours {
  timeZone: string | null;
  quietHours: { start: string; end: string } | null;
}

export const quietHoursPath = '/v1/auth/me/quiet-hours';
const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

/** The user's time zone and quiet hours: no proactive message reaches them then. */
export function QuietHoursForm() {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const current = useQuery({ queryKey: ['quiet-hours'], queryFn: () => api.get<QuietHours>(quietHoursPath) });
  if (current.isError) return <ErrorNotice error={current.error} onRetry={() => void current.refetch()} />;
  if (!current.data) return <p className="muted">Loading…</p>;
  return (
    <QuietHoursFields
      initial={current.data}
      save={(next) => api.put<QuietHours>(quietHoursPath, next)}
      onSaved={(saved) => queryClient.setQueryData(['quiet-hours'], saved)}
    />
  );
}

function QuietHoursFields(props: {
  initial: QuietHours;
  save: (next: QuietHours) => Promise<QuietHours>;
  onSaved: (saved: QuietHours) => void;
}) {
  const [timeZone, setTimeZone] = useState(props.initial.timeZone ?? browserZone());
  const [isQuiet, setIsQuiet] = useState(props.initial.quietHours !== null);
  const [start, setStart] = useState(props.initial.quietHours?.start ?? '22:00');
  const [end, setEnd] = useState(props.initial.quietHours?.end ?? '08:00');
  const save = useMutation({
    mutationFn: () => props.save({ timeZone, quietHours: isQuiet ? { start, end } : null }),
    onSuccess: props.onSaved,
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <form className="form quiet-hours-form" onSubmit={submit} aria-label="Quiet hours">
      <label>
        Time zone
        <input value={timeZone} onChange={(event) => setTimeZone(event.target.value)} placeholder="Europe/Paris" />
      </label>
      <label>
        <input type="checkbox" checked={isQuiet} onChange={(event) => setIsQuiet(event.target.checked)} /> Quiet
        hours: no message from an agent writing on its own
      </label>
      {isQuiet && (
        <div className="form-row">
          <label>
            From
            <input type="time" value={start} onChange={(event) => setStart(event.target.value)} />
          </label>
          <label>
            to
            <input type="time" value={end} onChange={(event) => setEnd(event.target.value)} />
          </label>
        </div>
      )}
      {save.isError && <ErrorNotice error={save.error} />}
      {save.isSuccess && <p className="muted">Saved.</p>}
      <button type="submit" disabled={save.isPending}>
        Save
      </button>
    </form>
  );
}
