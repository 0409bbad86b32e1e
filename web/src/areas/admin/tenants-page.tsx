import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useServices } from '../../app-context';
import { CursorListView, useCursorList } from '../../ui/cursor-list';
import { ErrorNotice } from '../../ui/error-notice';
import { Field, TextField } from '../../ui/field';
import { formatDateTime } from '../../ui/format';
import { adminKeys, type CreatedTenant, type Tenant } from './admin-api';
import { useExclusiveMutation } from '../../ui/use-exclusive-mutation';
import { MailDomainsCard } from './mail-domains-card';

/** Every tenant of the server (platform administrators only), and a new one with its first admin. */
export function TenantsPage() {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const list = useCursorList<Tenant>(adminKeys.tenants, '/v1/tenants', 50);
  const [name, setName] = useState('');
  const [adminEmail, setAdminEmail] = useState('');
  const [adminName, setAdminName] = useState('');
  const [adminPassword, setAdminPassword] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  const [mailDomainsOf, setMailDomainsOf] = useState<Tenant | null>(null);

  const create = useExclusiveMutation({
    mutationFn: () => {
      const withAdmin = adminEmail.trim() !== '' || adminPassword !== '';
      return api.post<CreatedTenant>('/v1/tenants', {
        name: name.trim(),
        ...(withAdmin && {
          admin: {
            email: adminEmail.trim(),
            password: adminPassword,
            ...(adminName.trim() && { displayName: adminName.trim() }),
          },
        }),
      });
    },
    onMutate: () => setNotice(null),
    onSuccess: async (tenant) => {
      setNotice(
        tenant.admin
          ? `Tenant ${tenant.name} was created; ${tenant.admin.email} can sign in as its administrator.`
          : `Tenant ${tenant.name} was created, without users yet.`,
      );
      setName('');
      setAdminEmail('');
      setAdminName('');
      setAdminPassword('');
      await queryClient.invalidateQueries({ queryKey: adminKeys.tenants });
    },
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    create.mutate();
  }

  return (
    <section className="stack" aria-labelledby="tenants-heading">
      <h1 id="tenants-heading">Tenants</h1>
      <p className="muted intro">Each tenant has its own users, agents, providers and conversations.</p>
      <form className="card stack form" onSubmit={submit} aria-labelledby="tenant-create-heading">
        <h2 id="tenant-create-heading">Create a tenant</h2>
        <TextField
          label="Tenant name"
          field="name"
          error={create.error}
          value={name}
          onValueChange={setName}
          required
          maxLength={100}
          autoComplete="off"
        />
        <fieldset className="field-group">
          <legend>First administrator (optional)</legend>
          <div className="field-row">
            <TextField
              label="Admin email"
              field="admin.email"
              error={create.error}
              value={adminEmail}
              onValueChange={setAdminEmail}
              type="email"
              maxLength={254}
              autoComplete="off"
            />
            <TextField
              label="Admin name"
              field="admin.displayName"
              error={create.error}
              hint="Optional."
              value={adminName}
              onValueChange={setAdminName}
              maxLength={100}
              autoComplete="off"
            />
          </div>
          <Field
            label="Admin password"
            field="admin.password"
            error={create.error}
            hint="At least 8 characters; give it to them privately."
          >
            {(control) => (
              <input
                {...control}
                type="password"
                value={adminPassword}
                onChange={(event) => setAdminPassword(event.target.value)}
                required={adminEmail.trim() !== ''}
                minLength={8}
                maxLength={256}
                autoComplete="new-password"
              />
            )}
          </Field>
        </fieldset>
        {create.error && <ErrorNotice error={create.error} />}
        <div className="row form-actions">
          <button type="submit" className="primary" disabled={create.isPending}>
            {create.isPending ? 'Creating…' : 'Create tenant'}
          </button>
        </div>
      </form>
      {notice && (
        <p className="success-notice" role="status">
          {notice}
        </p>
      )}
      <CursorListView list={list} loadingText="Loading tenants…" emptyText="No tenants yet.">
        {(tenants) => (
          <table className="responsive">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Created</th>
                <th scope="col">Id</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {tenants.map((tenant) => (
                <tr key={tenant.id}>
                  <th scope="row" data-label="Name" className="cell-title">
                    {tenant.name}
                  </th>
                  <td data-label="Created">{formatDateTime(tenant.createdAt)}</td>
                  <td data-label="Id">
                    <code>{tenant.id}</code>
                  </td>
                  <td>
                    <button
                      type="button"
                      aria-label={`Mail domains of ${tenant.name}`}
                      onClick={() => setMailDomainsOf(tenant)}
                    >
                      Mail domains
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </CursorListView>
      {mailDomainsOf && (
        <MailDomainsCard key={mailDomainsOf.id} tenantId={mailDomainsOf.id} tenantName={mailDomainsOf.name} />
      )}
    </section>
  );
}
