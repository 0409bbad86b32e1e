import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { useServices } from '../../app-context';
import { ConfirmDialog } from '../../ui/confirm-dialog';
import type { Page } from '../../ui/cursor-list';
import { DeleteWithConfirm } from '../../ui/delete-with-confirm';
import { ErrorNotice } from '../../ui/error-notice';
import { formatDateTime } from '../../ui/format';
import { useExclusiveMutation } from '../../ui/use-exclusive-mutation';
import type { Agent } from '../agents/agents-api';
import { ApiChannelCard } from './api-channel-card';
import { CopyButton } from './copy-button';
import { InboxForm } from './inbox-form';
import {
  embedSnippet,
  inboxKeys,
  inboxSettingsPath,
  type Inbox,
  type InboxInput,
  type InboxWithSecret,
} from './inboxes-api';
import { SecretReveal } from './secret-reveal';
import { WidgetPreview } from './widget-preview';

const inboxesPath = `${inboxSettingsPath}/inboxes`;

function useAgentChoices() {
  const { api } = useServices();
  return useQuery({ queryKey: ['agents', 'choices'], queryFn: () => api.get<Page<Agent>>('/v1/agents?limit=100') });
}

/** A new inbox: once created, its secret is shown once, then its settings page opens. */
export function NewInboxPage() {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const agents = useAgentChoices();
  const [created, setCreated] = useState<InboxWithSecret | null>(null);
  const create = useExclusiveMutation({
    gcTime: 0,
    mutationFn: (input: InboxInput) => api.post<InboxWithSecret>('/v1/inboxes', input),
    onSuccess: async (inbox) => {
      await queryClient.invalidateQueries({ queryKey: inboxKeys.all });
      // The signing secret verifies the widget's signed-in users: an API inbox has no use for it.
      if (inbox.kind !== 'widget') void navigate(`${inboxesPath}/${inbox.id}`);
      else setCreated(inbox);
    },
  });
  function closeReveal() {
    const id = created?.id;
    setCreated(null);
    create.reset();
    if (id) void navigate(`${inboxesPath}/${id}`);
  }
  return (
    <section className="stack" aria-labelledby="inbox-new-heading">
      <h1 id="inbox-new-heading">New inbox</h1>
      <InboxForm
        agents={agents.data?.items}
        isBusy={create.isPending}
        error={create.error}
        submitLabel="Create inbox"
        onSubmit={(input) => create.mutate(input)}
        onCancel={() => void navigate(inboxesPath)}
      />
      {created && <SecretReveal inboxName={created.name} secret={created.signingSecret} onClose={closeReveal} />}
    </section>
  );
}

/** Rotating makes a new secret and retires the old one at once: pages signed with it stop verifying. */
function SigningSecret({ inbox }: { inbox: Inbox }) {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const [isConfirming, setIsConfirming] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const rotate = useExclusiveMutation({
    gcTime: 0,
    mutationFn: () => api.post<InboxWithSecret>(`/v1/inboxes/${inbox.id}/signing-secret`),
    onSuccess: (rotated) => {
      setIsConfirming(false);
      setSecret(rotated.signingSecret);
      const { signingSecret: _shownOnce, ...rest } = rotated;
      queryClient.setQueryData(inboxKeys.one(inbox.id), rest);
    },
  });
  return (
    <section className="card stack" aria-labelledby="secret-heading">
      <h2 id="secret-heading">Signing secret</h2>
      <p className="muted">
        Your server signs a signed-in user’s id with it, so the widget knows who they are. Last made{' '}
        {formatDateTime(inbox.signingSecretRotatedAt)}; it is shown only when made.
      </p>
      <div className="row">
        <button type="button" onClick={() => (rotate.reset(), setIsConfirming(true))}>
          Rotate secret
        </button>
      </div>
      {isConfirming && (
        <ConfirmDialog
          title="Rotate the signing secret?"
          confirmLabel="Rotate"
          isBusy={rotate.isPending}
          error={rotate.error}
          onConfirm={() => rotate.mutate()}
          onCancel={() => setIsConfirming(false)}
        >
          The current secret stops working at once: update your server with the new one.
        </ConfirmDialog>
      )}
      {secret && (
        <SecretReveal
          inboxName={inbox.name}
          secret={secret}
          onClose={() => {
            setSecret(null);
            rotate.reset();
          }}
        />
      )}
    </section>
  );
}

function EmbedSnippet({ inbox }: { inbox: Inbox }) {
  const snippet = embedSnippet(window.location.origin, inbox.id);
  return (
    <section className="card stack" aria-labelledby="snippet-heading">
      <h2 id="snippet-heading">Embed</h2>
      <p className="muted">Paste this before &lt;/body&gt; on each page of an allowed origin.</p>
      <textarea aria-label="Embed snippet" className="secret-value" rows={2} readOnly value={snippet} />
      <CopyButton text={snippet} label="Copy snippet" />
    </section>
  );
}

function InboxEditor({ inbox }: { inbox: Inbox }) {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const agents = useAgentChoices();
  const [savedAt, setSavedAt] = useState<string | null>(null);
  const save = useExclusiveMutation({
    mutationFn: (input: InboxInput) => api.patch<Inbox>(`/v1/inboxes/${inbox.id}`, input),
    onSuccess: async (updated) => {
      setSavedAt(updated.updatedAt);
      queryClient.setQueryData(inboxKeys.one(inbox.id), updated);
      await queryClient.invalidateQueries({ queryKey: inboxKeys.all, exact: true });
    },
  });
  return (
    <section className="stack" aria-labelledby="inbox-edit-heading">
      <div className="page-header">
        <h1 id="inbox-edit-heading">Inbox {inbox.name}</h1>
        <DeleteWithConfirm
          title={`Delete inbox ${inbox.name}?`}
          confirmLabel="Delete inbox"
          onDelete={() => api.delete(`/v1/inboxes/${inbox.id}`)}
          onDeleted={async () => {
            await queryClient.invalidateQueries({ queryKey: inboxKeys.all });
            await navigate(inboxesPath);
          }}
        >
          {inbox.kind === 'api'
            ? 'Your system’s posts to it are refused from then on.'
            : inbox.kind === 'email'
              ? 'Mail to its address is refused from then on.'
              : 'Its widget stops answering on every site that embeds it.'}{' '}
          This cannot be undone.
        </DeleteWithConfirm>
      </div>
      <div className="inbox-settings-grid">
        <div className="stack">
          <InboxForm
            inbox={inbox}
            agents={agents.data?.items}
            isBusy={save.isPending}
            error={save.error}
            submitLabel="Save inbox"
            onSubmit={(input) => save.mutate(input)}
            onCancel={() => void navigate(inboxesPath)}
          />
          {savedAt && (
            <p className="success-notice" role="status">
              Saved.
            </p>
          )}
        </div>
        <div className="stack">
          {inbox.kind === 'api' ? (
            <ApiChannelCard inbox={inbox} />
          ) : inbox.kind === 'email' ? (
            <section className="card stack" aria-labelledby="email-channel-heading">
              <h2 id="email-channel-heading">Email</h2>
              <p className="muted">
                Point your mail server at Parley’s SMTP listener for <strong>{inbox.emailAddress}</strong> (a transport
                map in Postfix); replies go out through the server’s outbound mail settings.
              </p>
            </section>
          ) : (
            <>
              <EmbedSnippet inbox={inbox} />
              <SigningSecret inbox={inbox} />
              <WidgetPreview inboxId={inbox.id} updatedAt={inbox.updatedAt} />
            </>
          )}
        </div>
      </div>
    </section>
  );
}

export function EditInboxPage() {
  const { inboxId = '' } = useParams();
  const { api } = useServices();
  const inbox = useQuery({ queryKey: inboxKeys.one(inboxId), queryFn: () => api.get<Inbox>(`/v1/inboxes/${inboxId}`) });
  if (inbox.isPending) return <p className="muted state-text">Loading the inbox…</p>;
  if (inbox.isError) {
    return (
      <section className="stack">
        <h1>Inbox</h1>
        <ErrorNotice error={inbox.error} onRetry={() => void inbox.refetch()} />
      </section>
    );
  }
  return <InboxEditor inbox={inbox.data} />;
}
