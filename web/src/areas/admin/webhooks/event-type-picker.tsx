import { FieldGroup } from '../../../ui/field';
import { webhookEventTypes, type WebhookEventType } from './webhooks-api';

/** Checkboxes for the event types an endpoint receives. */
export function EventTypePicker(props: {
  value: readonly WebhookEventType[];
  onChange: (types: WebhookEventType[]) => void;
  error: unknown;
}) {
  const toggle = (type: WebhookEventType, isChecked: boolean) =>
    props.onChange(
      webhookEventTypes.filter((candidate) => (candidate === type ? isChecked : props.value.includes(candidate))),
    );
  return (
    <FieldGroup legend="Events" field="eventTypes" error={props.error}>
      <div className="stack">
        {webhookEventTypes.map((type) => (
          <label key={type} className="inline">
            <input
              type="checkbox"
              checked={props.value.includes(type)}
              onChange={(event) => toggle(type, event.target.checked)}
            />
            <code>{type}</code>
          </label>
        ))}
      </div>
    </FieldGroup>
  );
}
