import { Field } from '../../ui/field';
import type { WidgetTexts } from './widget-texts-fields';

/** The server's own words (src/modules/email/customer-notices.ts), shown until the box holds the inbox's. */
const defaults = {
  en: 'Thank you for your mail: it has reached us, and a person will reply to it here.',
  zh: '感谢您的来信：我们已经收到，工作人员会在这里回复您。',
} as const;

const languages = [
  { code: 'en', name: 'English' },
  { code: 'zh', name: 'Chinese' },
] as const;

/**
 * An email inbox's acknowledgement, per language (docs/email-inbox.md, "Acknowledgement"): the mail a
 * people-only inbox sends on a new conversation's first mail. Kept with the widget's texts, under
 * `emailAcknowledgement`; an empty box keeps the default.
 */
export function EmailAcknowledgementFields(props: {
  value: WidgetTexts;
  onChange: (texts: WidgetTexts) => void;
  hasAgent: boolean;
  error: unknown;
}) {
  const set = (language: 'en' | 'zh', text: string) =>
    props.onChange({ ...props.value, [language]: { ...props.value[language], emailAcknowledgement: text } });
  return (
    <fieldset className="stack">
      <legend>Acknowledgement by mail</legend>
      <p className="muted">
        {props.hasAgent
          ? 'Sent only by a people-only inbox: with an agent, the AI answers instead.'
          : 'Mailed at once on the first mail of each new conversation; outside the business hours it also says when someone is back. Leave a box empty for the default.'}
      </p>
      {languages.map((language) => (
        <Field
          key={language.code}
          label={`Acknowledgement (${language.name})`}
          field={`widget.texts.${language.code}.emailAcknowledgement`}
          error={props.error}
        >
          {(control) => (
            <textarea
              {...control}
              rows={2}
              maxLength={300}
              placeholder={defaults[language.code]}
              value={props.value[language.code]?.emailAcknowledgement ?? ''}
              onChange={(event) => set(language.code, event.target.value)}
            />
          )}
        </Field>
      ))}
    </fieldset>
  );
}
