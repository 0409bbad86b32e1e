import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useState, type FormEvent } from 'react';
import { hasRoleAtLeast, useServices, useSignedInSession } from '../../app-context';
import { ErrorNotice } from '../../ui/error-notice';
import { Field } from '../../ui/field';
import { StatusNote } from '../../ui/status-note';
import { useExclusiveMutation } from '../../ui/use-exclusive-mutation';

/** What GET and PUT /v1/tenants/:id/email-domains answer. */
interface MailDomains {
  items: { domain: string; approvedAt: string }[];
}

const mailDomainsKey = (tenantId: string) => ['tenants', 'email-domains', tenantId] as const;

/**
 * The mail domains a tenant's email inboxes may have addresses at (docs/customer-service.md). A platform
 * admin approves them, since an inbox address routes all mail for it to one tenant's queue: a tenant
 * admin sees them and whom to ask.
 */
export function MailDomainsCard(props: { tenantId: string; tenantName?: string }) {
  const { api } = useServices();
  const canApprove = hasRoleAtLeast(useSignedInSession().user.role, 'platform_admin');
  const queryClient = useQueryClient();
  const headingId = useId();
  const path = `/v1/tenants/${encodeURIComponent(props.tenantId)}/email-domains`;
  const domains = useQuery({ queryKey: mailDomainsKey(props.tenantId), queryFn: () => api.get<MailDomains>(path) });
  const [draft, setDraft] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  useEffect(() => {
    if (domains.data) setDraft(domains.data.items.map((item) => item.domain).join(', '));
  }, [domains.data]);

  const save = useExclusiveMutation({
    mutationFn: () => api.put<MailDomains>(path, { domains: draft.split(/[\s,]+/).filter(Boolean) }),
    onMutate: () => setNotice(null),
    onSuccess: (saved) => {
      queryClient.setQueryData(mailDomainsKey(props.tenantId), saved);
      setNotice('Saved.');
    },
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    save.mutate();
  }

  const title = props.tenantName ? `Mail domains of ${props.tenantName}` : 'Mail domains';
  if (domains.isError) return <ErrorNotice error={domains.error} onRetry={() => void domains.refetch()} />;
  if (domains.isPending) return <p className="muted state-text">Loading mail domains…</p>;
  return (
    <form className="card stack form" onSubmit={submit} aria-labelledby={headingId}>
      <h2 id={headingId}>{title}</h2>
      <Field
        label="Approved mail domains"
        field="domains"
        error={save.error}
        hint={
          canApprove
            ? 'Comma-separated, e.g. shop.example. Email inboxes of this tenant may have addresses only at these; each domain belongs to one tenant.'
            : 'Email inboxes may have addresses only at these. A platform admin approves them, since every mail to an address goes to one tenant: ask one to add yours.'
        }
      >
        {(control) => (
          <input
            {...control}
            value={draft}
            readOnly={!canApprove}
            onChange={(event) => setDraft(event.target.value)}
            placeholder={canApprove ? 'shop.example' : 'None approved yet'}
            autoComplete="off"
          />
        )}
      </Field>
      {save.isError && <ErrorNotice error={save.error} />}
      {canApprove && (
        <div>
          <button type="submit" disabled={save.isPending}>
            Save domains
          </button>
          <StatusNote text={notice} />
        </div>
      )}
    </form>
  );
}
