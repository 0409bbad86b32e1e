import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { hasRoleAtLeast, useServices, useSignedInSession } from '../../app-context';
import { ErrorNotice } from '../../ui/error-notice';
import { Field } from '../../ui/field';
import { StatusNote } from '../../ui/status-note';
import { useExclusiveMutation } from '../../ui/use-exclusive-mutation';

type SsoRole = 'tenant_admin' | 'operator' | 'member';

/** What /v1/sso/connections answers for one connection (the client secret is never sent back). */
export interface SsoConnection {
  id: string;
  slug: string;
  issuerUrl: string;
  clientId: string;
  scopes: string;
  emailClaim: string;
  nameClaim: string;
  groupsClaim: string;
  allowedDomains: string[];
  /** Origins besides the issuer's where its endpoints may be (Google's, Entra's): a platform admin's. */
  approvedEndpointOrigins: string[];
  roleMapping: { group: string; role: SsoRole }[];
  defaultRole: SsoRole | null;
  ssoRequired: boolean;
}

interface ConnectionTest {
  ok: boolean;
  message: string;
}

const connectionsKey = ['sso', 'connections'] as const;
const roleLabels: Record<SsoRole, string> = { tenant_admin: 'Administrator', operator: 'Operator', member: 'Member' };

interface Draft {
  slug: string;
  issuerUrl: string;
  clientId: string;
  clientSecret: string;
  scopes: string;
  emailClaim: string;
  nameClaim: string;
  groupsClaim: string;
  allowedDomains: string;
  approvedEndpointOrigins: string;
  /** One `group = role` per line. */
  roleMapping: string;
  defaultRole: SsoRole | '';
  ssoRequired: boolean;
}

const emptyDraft: Draft = {
  slug: '',
  issuerUrl: '',
  clientId: '',
  clientSecret: '',
  scopes: 'openid email profile',
  emailClaim: 'email',
  nameClaim: 'name',
  groupsClaim: 'groups',
  allowedDomains: '',
  approvedEndpointOrigins: '',
  roleMapping: '',
  defaultRole: 'member',
  ssoRequired: false,
};

const draftOf = (connection: SsoConnection): Draft => ({
  ...connection,
  clientSecret: '',
  allowedDomains: connection.allowedDomains.join(', '),
  approvedEndpointOrigins: (connection.approvedEndpointOrigins ?? []).join(', '),
  roleMapping: connection.roleMapping.map(({ group, role }) => `${group} = ${role}`).join('\n'),
  defaultRole: connection.defaultRole ?? '',
});

/** `group = role` lines; a line that names no known role is sent as it is, for the server to name. */
function mappingOf(text: string): { group: string; role: string }[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const at = line.lastIndexOf('=');
      return at === -1
        ? { group: line, role: '' }
        : { group: line.slice(0, at).trim(), role: line.slice(at + 1).trim() };
    });
}

/**
 * Single sign-on for the tenant (docs/sso.md): its OpenID Connect provider, who may come in and with
 * which role, and whether passwords still work. "Test the connection" runs discovery and says in a
 * sentence what is wrong.
 */
export function SsoSettingsPage() {
  const { api } = useServices();
  // Sign-in sends every address at a connection's domains to its tenant: only platform admins set them.
  const canSetDomains = hasRoleAtLeast(useSignedInSession().user.role, 'platform_admin');
  const queryClient = useQueryClient();
  const connections = useQuery({
    queryKey: connectionsKey,
    queryFn: () => api.get<{ items: SsoConnection[] }>('/v1/sso/connections'),
  });
  const existing = connections.data?.items[0];
  const [draft, setDraft] = useState<Draft>(emptyDraft);
  const [notice, setNotice] = useState<string | null>(null);
  const [test, setTest] = useState<ConnectionTest | null>(null);
  useEffect(() => {
    if (existing) setDraft(draftOf(existing));
  }, [existing]);

  const body = () => ({
    slug: draft.slug.trim(),
    issuerUrl: draft.issuerUrl.trim(),
    clientId: draft.clientId.trim(),
    ...(draft.clientSecret !== '' && { clientSecret: draft.clientSecret }),
    scopes: draft.scopes.trim(),
    emailClaim: draft.emailClaim.trim(),
    nameClaim: draft.nameClaim.trim(),
    groupsClaim: draft.groupsClaim.trim(),
    ...(canSetDomains && {
      allowedDomains: draft.allowedDomains.split(/[\s,]+/).filter(Boolean),
      approvedEndpointOrigins: draft.approvedEndpointOrigins.split(/[\s,]+/).filter(Boolean),
    }),
    roleMapping: mappingOf(draft.roleMapping),
    defaultRole: draft.defaultRole === '' ? null : draft.defaultRole,
    ssoRequired: draft.ssoRequired,
  });

  const save = useExclusiveMutation({
    mutationFn: () =>
      existing
        ? api.patch<SsoConnection>(`/v1/sso/connections/${existing.id}`, body())
        : api.post<SsoConnection>('/v1/sso/connections', body()),
    onMutate: () => {
      setNotice(null);
      setTest(null);
    },
    onSuccess: async () => {
      setDraft((current) => ({ ...current, clientSecret: '' }));
      setNotice('Saved.');
      await queryClient.invalidateQueries({ queryKey: connectionsKey });
    },
  });
  const runTest = useExclusiveMutation({
    mutationFn: () => api.post<ConnectionTest>(`/v1/sso/connections/${existing?.id ?? ''}/test`, {}),
    onMutate: () => setTest(null),
    onSuccess: setTest,
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    save.mutate();
  }

  if (connections.isError) return <ErrorNotice error={connections.error} onRetry={() => void connections.refetch()} />;
  if (connections.isPending) return <p className="muted state-text">Loading single sign-on…</p>;
  const set = (name: keyof Draft) => (event: { currentTarget: { value: string } }) => {
    // Read now: React clears the event's currentTarget before a state updater runs.
    const value = event.currentTarget.value;
    setDraft((current) => ({ ...current, [name]: value }));
  };
  const callbackUrl = `${window.location.origin}/v1/sso/callback`;
  const text = (name: keyof Draft, label: string, hint?: string, type = 'text', isReadOnly = false) => (
    <Field label={label} field={name} error={save.error} hint={hint}>
      {(control) => (
        <input
          {...control}
          name={name}
          type={type}
          value={draft[name] as string}
          onChange={set(name)}
          autoComplete="off"
          readOnly={isReadOnly}
          placeholder={isReadOnly ? 'None' : undefined}
        />
      )}
    </Field>
  );
  return (
    <section className="stack" aria-labelledby="sso-heading">
      <h1 id="sso-heading">Single sign-on</h1>
      <p className="muted">
        Register Parley at your identity provider as a web application with the redirect URI <code>{callbackUrl}</code>,
        then fill in what it gives you.
      </p>
      <form className="card stack form" onSubmit={submit} aria-label="Single sign-on settings">
        {text('issuerUrl', 'Issuer URL', 'Where the provider publishes /.well-known/openid-configuration')}
        {text('clientId', 'Client ID')}
        {text(
          'clientSecret',
          'Client secret',
          existing ? 'Stored encrypted and never shown; leave empty to keep it' : 'Stored encrypted and never shown',
          'password',
        )}
        {text('slug', 'Sign-in name', `People can also begin at ${window.location.origin}/?tenant=<this name>`)}
        {canSetDomains
          ? text(
              'allowedDomains',
              'Allowed email domains',
              'Comma-separated, e.g. example.com; sign-in finds the tenant by them, so each belongs to one tenant',
            )
          : text(
              'allowedDomains',
              'Allowed email domains',
              'Set by a platform admin, since sign-in sends every address at them to this tenant: ask one to change them. Without any, people begin at the sign-in name',
              'text',
              true,
            )}
        {canSetDomains
          ? text(
              'approvedEndpointOrigins',
              'Approved endpoint origins',
              "Comma-separated origins besides the issuer's where its endpoints may be, e.g. https://oauth2.googleapis.com for Google; Parley sends people there",
            )
          : text(
              'approvedEndpointOrigins',
              'Approved endpoint origins',
              "Set by a platform admin: the provider's endpoints must be at the issuer's address or at one of these",
              'text',
              true,
            )}
        {text('scopes', 'Scopes')}
        {text('emailClaim', 'Email claim')}
        {text('nameClaim', 'Name claim')}
        {text('groupsClaim', 'Groups claim')}
        <Field
          label="Role mapping"
          field="roleMapping"
          error={save.error}
          hint="One line per group: group = tenant_admin, operator or member. The highest role a person's groups give wins."
        >
          {(control) => (
            <textarea
              {...control}
              name="roleMapping"
              rows={4}
              value={draft.roleMapping}
              onChange={set('roleMapping')}
            />
          )}
        </Field>
        <Field label="Everyone else" field="defaultRole" error={save.error} hint="People in none of the groups above">
          {(control) => (
            <select {...control} name="defaultRole" value={draft.defaultRole} onChange={set('defaultRole')}>
              {(Object.keys(roleLabels) as SsoRole[]).map((role) => (
                <option key={role} value={role}>
                  Let in as {roleLabels[role]}
                </option>
              ))}
              <option value="">Refuse (and disable those already in)</option>
            </select>
          )}
        </Field>
        <label>
          <input
            type="checkbox"
            name="ssoRequired"
            checked={draft.ssoRequired}
            onChange={(event) => {
              const isChecked = event.currentTarget.checked;
              setDraft((current) => ({ ...current, ssoRequired: isChecked }));
            }}
          />
          Require single sign-on (passwords refused; platform administrators keep theirs as a break-glass)
        </label>
        {save.isError && <ErrorNotice error={save.error} />}
        <div>
          <button type="submit" className="primary" disabled={save.isPending}>
            Save
          </button>{' '}
          <button type="button" disabled={!existing || runTest.isPending} onClick={() => runTest.mutate()}>
            {runTest.isPending ? 'Testing…' : 'Test the connection'}
          </button>
          <StatusNote text={notice} />
        </div>
        {runTest.isError && <ErrorNotice error={runTest.error} />}
        {test && (
          <p role="status" className={test.ok ? 'success-notice' : 'error-notice'} data-testid="sso-test-result">
            {test.ok ? '✓ ' : '✗ '}
            {test.message}
          </p>
        )}
      </form>
    </section>
  );
}
