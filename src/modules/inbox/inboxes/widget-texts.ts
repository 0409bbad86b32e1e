import { z } from 'zod';
import type { StoredWidgetTexts } from '../../../platform/db/schema/support.js';

/**
 * The widget panel's texts (web/widget/panel.js ships each in English and Chinese); an inbox may say
 * any of them its own way, per language. `{name}` and `{time}` are filled in where the text has them.
 */
export const widgetTextKeys = [
  'placeholder',
  'send',
  'talkToPerson',
  'close',
  'waitingForPerson',
  'askTopic',
  'personJoined',
  'outsideHours',
  'email',
  'saveEmail',
  'emailSaved',
  'rate',
  'comment',
  'submitRating',
  'thanks',
  'you',
  'assistant',
  'resolved',
  'failed',
  'attachImage',
  'image',
  'typing',
  'seen',
  // Not the panel's: an email inbox without an agent acknowledges a new conversation's first mail with it.
  'emailAcknowledgement',
] as const;

export const widgetLanguages = ['en', 'zh'] as const;

/** The longest override: a sentence or two, never a page. */
export const widgetTextMaxChars = 300;

const known = new Set<string>(widgetTextKeys);

/** One language's overrides: known keys only, each 1–300 characters; an unknown key is named in the 422. */
const languageTexts = z
  .record(z.string().max(100), z.string().trim().min(1, 'must not be empty').max(widgetTextMaxChars))
  .superRefine((texts, context) => {
    for (const key of Object.keys(texts)) {
      if (!known.has(key)) {
        context.addIssue({
          code: 'custom',
          path: [key],
          message: `is not a widget text; the known ones are ${widgetTextKeys.join(', ')}`,
        });
      }
    }
  });

export const widgetTextsSchema = z
  .strictObject({ en: languageTexts.optional(), zh: languageTexts.optional() })
  .describe("Per language ('en', 'zh'), the panel's texts this inbox says its own way");

export const widgetTextsViewSchema = z.object({
  en: z.record(z.string(), z.string()).optional(),
  zh: z.record(z.string(), z.string()).optional(),
});

/** Only known keys leave storage: a key dropped from the panel later is not served. */
export function presentWidgetTexts(stored: StoredWidgetTexts): StoredWidgetTexts {
  const view: StoredWidgetTexts = {};
  for (const language of widgetLanguages) {
    const texts = stored[language];
    if (!texts) continue;
    view[language] = Object.fromEntries(Object.entries(texts).filter(([key]) => known.has(key)));
  }
  return view;
}
