import { FieldGroup } from '../../ui/field';
import type { BusinessHours } from './inboxes-api';

const weekdays = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
/** Monday first, as most desks plan their week. */
const weekdayOrder = [1, 2, 3, 4, 5, 6, 0];

/** Weekdays 9 to 17 in the browser's time zone: where a desk that sets hours usually starts. */
export function defaultBusinessHours(): BusinessHours {
  return {
    timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    days: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, opens: '09:00', closes: '17:00' })),
  };
}

/** Always open, or the opening hours of each weekday in one time zone. */
export function BusinessHoursFields(props: {
  value: BusinessHours | null;
  onChange: (value: BusinessHours | null) => void;
  error: unknown;
}) {
  const { value, onChange } = props;
  const setDay = (weekday: number, change: { opens?: string; closes?: string } | null) => {
    if (!value) return;
    const others = value.days.filter((day) => day.weekday !== weekday);
    const current = value.days.find((day) => day.weekday === weekday) ?? { weekday, opens: '09:00', closes: '17:00' };
    onChange({
      ...value,
      days: change === null ? others : [...others, { ...current, ...change }].sort((a, b) => a.weekday - b.weekday),
    });
  };
  return (
    <FieldGroup legend="Business hours" field="businessHours" error={props.error}>
      <label className="inline">
        <input
          type="checkbox"
          checked={value === null}
          onChange={(event) => onChange(event.target.checked ? null : defaultBusinessHours())}
        />
        Always open
      </label>
      {value && (
        <div className="stack business-hours">
          <label className="stack">
            Time zone
            <input
              value={value.timeZone}
              maxLength={64}
              onChange={(event) => onChange({ ...value, timeZone: event.target.value })}
            />
          </label>
          {weekdayOrder.map((weekday) => {
            const day = value.days.find((each) => each.weekday === weekday);
            const name = weekdays[weekday] ?? '';
            return (
              <div key={weekday} className="row business-day">
                <label className="inline">
                  <input
                    type="checkbox"
                    checked={Boolean(day)}
                    onChange={(event) => setDay(weekday, event.target.checked ? {} : null)}
                  />
                  {name}
                </label>
                {day && (
                  <>
                    <input
                      type="time"
                      aria-label={`${name} opens`}
                      value={day.opens}
                      onChange={(event) => setDay(weekday, { opens: event.target.value })}
                    />
                    <span aria-hidden="true">–</span>
                    <input
                      type="time"
                      aria-label={`${name} closes`}
                      value={day.closes}
                      onChange={(event) => setDay(weekday, { closes: event.target.value })}
                    />
                  </>
                )}
              </div>
            );
          })}
        </div>
      )}
    </FieldGroup>
  );
}
