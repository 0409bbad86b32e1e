import { useState, type FormEvent } from 'react';
import { Field, TextField } from '../../ui/field';
import { ErrorNotice } from '../../ui/error-notice';
import type { Agent } from '../agents/agents-api';
import { BusinessHoursFields } from './business-hours-fields';
import { EmailAcknowledgementFields } from './email-acknowledgement-fields';
import { ReplyTargetsFields, replyTargetsDraftOf, replyTargetsOf } from './reply-targets-fields';
import { TeamField } from './team-field';
import type { Inbox, InboxInput, InboxKind } from './inboxes-api';
import { WidgetTextsFields, withoutEmptyTexts, type WidgetTexts } from './widget-texts-fields';

const defaultColor = '#2563eb';
const splitLines = (text: string) =>
  text
    .split(/[\n,]/)
    .map((line) => line.trim())
    .filter(Boolean);

/** What each channel is, as the console names it. */
export const channelLabels: Record<InboxKind, string> = {
  widget: 'Website widget',
  api: 'API (your own system)',
  email: 'Email',
};

/**
 * Everything an inbox is: its channel (chosen once), who answers first (an agent or only people), which
 * sites may embed it and how the widget looks (a widget inbox's), when the desk is open, what hands a
 * conversation to a person, and the rating.
 */
export function InboxForm(props: {
  inbox?: Inbox;
  agents: Agent[] | undefined;
  isBusy: boolean;
  error: unknown;
  submitLabel: string;
  onSubmit: (input: InboxInput) => void;
  onCancel: () => void;
}) {
  const { inbox, error } = props;
  const [name, setName] = useState(inbox?.name ?? '');
  const [kind, setKind] = useState<InboxKind>(inbox?.kind ?? 'widget');
  const [agentId, setAgentId] = useState(inbox?.agentId ?? '');
  const [emailAddress, setEmailAddress] = useState(inbox?.emailAddress ?? '');
  const [origins, setOrigins] = useState(inbox?.allowedOrigins.join('\n') ?? '');
  const [title, setTitle] = useState(inbox?.widget.title ?? 'Chat with us');
  const [color, setColor] = useState(inbox?.widget.color ?? defaultColor);
  const [greeting, setGreeting] = useState(inbox?.widget.greeting ?? 'Hi! How can we help?');
  const [texts, setTexts] = useState<WidgetTexts>(inbox?.widget.texts ?? {});
  const [businessHours, setBusinessHours] = useState(inbox?.businessHours ?? null);
  const [keywords, setKeywords] = useState(inbox?.handoff.keywords.join(', ') ?? '');
  const [onAiFailure, setOnAiFailure] = useState(inbox?.handoff.onAiFailure ?? 'handover');
  const [noAnswerReply, setNoAnswerReply] = useState(inbox?.handoff.noAnswerReply ?? '');
  const [csatEnabled, setCsatEnabled] = useState(inbox?.csatEnabled ?? false);
  const [citations, setCitations] = useState(inbox?.citations ?? 'titles');
  const [memory, setMemory] = useState(inbox?.memory ?? false);
  const [teamId, setTeamId] = useState(inbox?.teamId ?? '');
  const [replyTargets, setReplyTargets] = useState(replyTargetsDraftOf(inbox?.replyTargets));

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    props.onSubmit({
      name: name.trim(),
      agentId: agentId || null,
      allowedOrigins: splitLines(origins),
      widget: { title: title.trim(), color, greeting, texts: withoutEmptyTexts(texts) },
      businessHours,
      // Left empty on a new inbox, the server's default keywords apply.
      handoff: {
        ...(keywords.trim() || inbox ? { keywords: splitLines(keywords) } : {}),
        onAiFailure,
        noAnswerReply: noAnswerReply.trim(),
      },
      csatEnabled,
      citations,
      memory,
      teamId: teamId || null,
      replyTargets: replyTargetsOf(replyTargets),
      ...(inbox ? {} : { kind }),
      ...(kind === 'email' && { emailAddress: emailAddress.trim() }),
    } as InboxInput);
  }

  return (
    <form className="card stack form" onSubmit={submit} aria-label={props.submitLabel}>
      <TextField
        label="Name"
        field="name"
        error={error}
        value={name}
        onValueChange={setName}
        required
        maxLength={100}
      />
      {inbox ? (
        <p>
          Channel: <strong>{channelLabels[inbox.kind]}</strong>
        </p>
      ) : (
        <Field
          label="Channel"
          field="kind"
          error={error}
          hint="Fixed once created. API: your system (a WhatsApp bridge, an app) posts contacts' messages and hears the replies by webhook. Email: mail to the inbox's address, forwarded by your mail server."
        >
          {(control) => (
            <select {...control} value={kind} onChange={(event) => setKind(event.target.value as InboxKind)}>
              {Object.entries(channelLabels).map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          )}
        </Field>
      )}
      {kind === 'email' && (
        <TextField
          label="Email address"
          field="emailAddress"
          error={error}
          value={emailAddress}
          onValueChange={setEmailAddress}
          hint="Mail your mail server forwards to Parley for this address becomes conversations; replies go out from it."
          required
          maxLength={254}
        />
      )}
      {kind === 'email' && (
        <EmailAcknowledgementFields value={texts} onChange={setTexts} hasAgent={agentId !== ''} error={error} />
      )}
      <Field
        label="Answers first"
        field="agentId"
        error={error}
        hint="An agent answers and hands over to a person when asked; or people only."
      >
        {(control) => (
          <select {...control} value={agentId} onChange={(event) => setAgentId(event.target.value)}>
            <option value="">People only (no AI)</option>
            {props.agents?.map((agent) => (
              <option key={agent.id} value={agent.id}>
                {agent.name}
              </option>
            ))}
          </select>
        )}
      </Field>
      <TeamField value={teamId} onChange={setTeamId} error={error} />
      {kind === 'widget' && (
        <>
          <Field
            label="Allowed origins"
            field="allowedOrigins"
            error={error}
            hint="The sites that may show the widget, one a line, e.g. https://shop.example"
          >
            {(control) => (
              <textarea {...control} rows={3} value={origins} onChange={(event) => setOrigins(event.target.value)} />
            )}
          </Field>
          <h2>Widget</h2>
          <div className="field-row">
            <TextField
              label="Title"
              field="widget.title"
              error={error}
              value={title}
              onValueChange={setTitle}
              required
              maxLength={60}
            />
            <Field label="Colour" field="widget.color" error={error}>
              {(control) => (
                <input {...control} type="color" value={color} onChange={(event) => setColor(event.target.value)} />
              )}
            </Field>
          </div>
          <Field label="Greeting" field="widget.greeting" error={error}>
            {(control) => (
              <textarea
                {...control}
                rows={2}
                maxLength={500}
                value={greeting}
                onChange={(event) => setGreeting(event.target.value)}
              />
            )}
          </Field>
          <WidgetTextsFields value={texts} onChange={setTexts} error={error} />
        </>
      )}
      <BusinessHoursFields value={businessHours} onChange={setBusinessHours} error={error} />
      <ReplyTargetsFields value={replyTargets} onChange={setReplyTargets} error={error} />
      <h2>Handoff to a person</h2>
      <TextField
        label="Handoff keywords"
        field="handoff.keywords"
        error={error}
        hint="Comma-separated words that ask for a person, e.g. human, agent. Empty on a new inbox: the defaults."
        value={keywords}
        onValueChange={setKeywords}
      />
      <Field label="When the AI fails" field="handoff.onAiFailure" error={error}>
        {(control) => (
          <select
            {...control}
            value={onAiFailure}
            onChange={(event) => setOnAiFailure(event.target.value as 'handover' | 'stay')}
          >
            <option value="handover">Hand over to a person</option>
            <option value="stay">Stay with the AI and say so</option>
          </select>
        )}
      </Field>
      <TextField
        label="The AI's reply when it cannot answer"
        field="handoff.noAnswerReply"
        error={error}
        hint="The AI is told to reply this sentence word for word when it cannot answer; such a reply counts as the AI failing. Empty: not used."
        value={noAnswerReply}
        onValueChange={setNoAnswerReply}
      />
      <Field label="Sources under an AI reply" field="citations" error={error}>
        {(control) => (
          <select
            {...control}
            value={citations}
            onChange={(event) => setCitations(event.target.value as 'titles' | 'strip')}
          >
            <option value="titles">Show the titles of the sources it cited</option>
            <option value="strip">Show no sources</option>
          </select>
        )}
      </Field>
      <label className="inline">
        <input type="checkbox" checked={csatEnabled} onChange={(event) => setCsatEnabled(event.target.checked)} />
        Ask for a rating when a conversation is resolved
      </label>
      <label className="inline">
        <input type="checkbox" checked={memory} onChange={(event) => setMemory(event.target.checked)} />
        Let the AI remember facts about each contact across their conversations
      </label>
      <p className="muted small">
        Off by default. Each contact's facts are their own (a verified contact's follow them to other devices);
        operators see and delete them in the contact panel. The agent's own memory setting must be on too.
      </p>
      {error ? <ErrorNotice error={error} /> : null}
      <div className="row form-actions">
        <button type="submit" className="primary" disabled={props.isBusy}>
          {props.isBusy ? 'Saving…' : props.submitLabel}
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
