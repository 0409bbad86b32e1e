import { Field } from '../../ui/field';

export type WidgetTexts = { en?: Record<string, string>; zh?: Record<string, string> };

/** The panel's texts (web/widget/panel.js) with what it says by default, in English and Chinese. */
const panelTexts: readonly { key: string; en: string; zh: string }[] = [
  { key: 'placeholder', en: 'Write a message…', zh: '输入消息…' },
  { key: 'send', en: 'Send', zh: '发送' },
  { key: 'talkToPerson', en: 'Talk to a person', zh: '转人工' },
  { key: 'close', en: 'Close', zh: '关闭' },
  { key: 'waitingForPerson', en: 'Waiting for a person to join…', zh: '正在等待客服接入…' },
  { key: 'askTopic', en: 'What can we help you with?', zh: '请问有什么可以帮您？' },
  { key: 'personJoined', en: '{name} joined the conversation', zh: '{name} 已加入对话' },
  {
    key: 'outsideHours',
    en: 'Nobody is at work right now. A person is back {time}. Leave your email and we will write to you.',
    zh: '现在是非工作时间。客服将于 {time} 回来。留下您的邮箱，我们会回复您。',
  },
  { key: 'email', en: 'Your email', zh: '您的邮箱' },
  { key: 'saveEmail', en: 'Save', zh: '保存' },
  { key: 'emailSaved', en: 'Thanks, we will write to you.', zh: '谢谢，我们会给您回信。' },
  { key: 'rate', en: 'How did we do?', zh: '您对本次服务满意吗？' },
  { key: 'comment', en: 'A comment (optional)', zh: '评论（可选）' },
  { key: 'submitRating', en: 'Rate', zh: '评分' },
  { key: 'thanks', en: 'Thank you for your rating.', zh: '感谢您的评价。' },
  { key: 'you', en: 'You', zh: '您' },
  { key: 'assistant', en: 'Assistant', zh: '智能助手' },
  {
    key: 'resolved',
    en: 'This conversation is resolved. Write to open it again.',
    zh: '此对话已解决。发送消息可重新打开。',
  },
  { key: 'failed', en: 'Something went wrong; try again.', zh: '出错了，请重试。' },
  { key: 'attachImage', en: 'Send an image', zh: '发送图片' },
  { key: 'image', en: 'Image', zh: '图片' },
  { key: 'typing', en: '{name} is typing…', zh: '{name} 正在输入…' },
  { key: 'seen', en: 'Seen', zh: '已读' },
];

const languages = [
  { code: 'en', name: 'English' },
  { code: 'zh', name: 'Chinese' },
] as const;

/** Only the texts written in: an empty box means the panel's own text. */
export function withoutEmptyTexts(texts: WidgetTexts): WidgetTexts {
  const kept: WidgetTexts = {};
  for (const { code } of languages) {
    const entries = Object.entries(texts[code] ?? {}).filter(([, value]) => value.trim() !== '');
    if (entries.length > 0) kept[code] = Object.fromEntries(entries);
  }
  return kept;
}

/**
 * The widget's texts this inbox says its own way, per language; each box shows the panel's own text
 * until something is written in it. Saved, the preview shows them.
 */
export function WidgetTextsFields(props: {
  value: WidgetTexts;
  onChange: (texts: WidgetTexts) => void;
  error: unknown;
}) {
  const set = (language: 'en' | 'zh', key: string, text: string) =>
    props.onChange({ ...props.value, [language]: { ...props.value[language], [key]: text } });
  return (
    <details className="stack widget-texts">
      <summary>Widget texts (English and Chinese)</summary>
      <p className="muted">
        Leave a box empty to keep the widget&apos;s own text. {'{name}'} and {'{time}'} are filled in.
      </p>
      {languages.map((language) => (
        <fieldset key={language.code} className="stack">
          <legend>{language.name}</legend>
          {panelTexts.map((text) => (
            <Field
              key={text.key}
              label={`${text.key} (${language.code})`}
              field={`widget.texts.${language.code}.${text.key}`}
              error={props.error}
            >
              {(control) => (
                <input
                  {...control}
                  maxLength={300}
                  placeholder={text[language.code]}
                  value={props.value[language.code]?.[text.key] ?? ''}
                  onChange={(event) => set(language.code, text.key, event.target.value)}
                />
              )}
            </Field>
          ))}
        </fieldset>
      ))}
    </details>
  );
}
