import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeApi, problem, renderArea } from '../../ui/test-harness';
import type { StdioCommand } from './tools-api';
import { toolsArea } from './tools-area';

afterEach(cleanup);

const git: StdioCommand = {
  id: 'c1',
  name: 'git server',
  executablePath: '/usr/local/bin/mcp-server-git',
  description: 'Reads repositories',
  allowInterpreter: false,
  args: ['--repository', '{repository}'],
  parameters: [{ name: 'repository', type: 'string', pattern: '/srv/[a-z]+', description: '', required: true }],
  envNames: [],
  allowNetwork: false,
  readOnlyPaths: [],
  inspection: {
    executablePath: '/usr/local/bin/mcp-server-git',
    resolvedPath: '/opt/git-mcp/bin/server',
    kind: 'binary',
    interpreter: null,
    sameAs: null,
    runsCode: false,
    summary: 'a program',
  },
  createdAt: '2026-01-01T10:00:00.000Z',
};
const isolation = { sandbox: 'bubblewrap', runAs: 'nobody', missing: [], refusal: null };

function commandsServer(role: 'tenant_admin' | 'platform_admin', onAdd: () => Response = () => Response.json(git)) {
  let items: StdioCommand[] = [git];
  return fakeApi(
    {
      'GET /v1/mcp/servers': () => Response.json({ items: [] }),
      'GET /v1/mcp/stdio-commands': () => Response.json({ items, isolation }),
      'POST /v1/mcp/stdio-commands': onAdd,
      'POST /v1/mcp/stdio-commands/inspect': () =>
        Response.json({
          executablePath: '/usr/local/bin/report',
          resolvedPath: '/usr/local/bin/report',
          kind: 'shell',
          interpreter: null,
          sameAs: '/usr/bin/dash',
          runsCode: true,
          summary: 'a copy of /usr/bin/dash, a shell: it runs any command it is given',
        }),
      'DELETE /v1/mcp/stdio-commands/:id': () => {
        items = [];
        return new Response(null, { status: 204 });
      },
    },
    { role },
  );
}

const open = (api: ReturnType<typeof fakeApi>, path: string) =>
  renderArea(toolsArea.element, { fetchImpl: api.fetchImpl, areaPath: '/tools', path });

describe('stdio command templates', () => {
  it('are only for platform administrators: a tenant admin sees no tab and is sent back by address', async () => {
    await open(commandsServer('tenant_admin'), '/tools/stdio-commands');
    await screen.findByRole('heading', { name: 'MCP servers' });
    expect(screen.queryByRole('link', { name: 'Command templates' })).toBeNull();
  });

  it('shows what an executable is before allowing it', async () => {
    await open(commandsServer('platform_admin'), '/tools/stdio-commands');
    const form = await screen.findByRole('form', { name: 'Make a command template' });
    fireEvent.change(within(form).getByLabelText('Executable path'), { target: { value: '/usr/local/bin/report' } });
    fireEvent.click(within(form).getByRole('button', { name: 'What is it?' }));
    const said = await within(form).findByRole('status', { name: 'What the executable is' });
    expect(said.textContent).toContain('Shell: a copy of /usr/bin/dash, a shell: it runs any command it is given');
    expect(screen.getByText(/Each program runs in a bubblewrap sandbox as nobody/)).toBeTruthy();
  });

  it('makes a template with its arguments and parameters, and shows why the server refuses one', async () => {
    const api = commandsServer('platform_admin', () =>
      problem(400, 'validation_failed', "'/bin/sh' is a shell; allow the MCP server's own executable instead", [
        { field: 'executablePath', message: "'/bin/sh' is a shell" },
      ]),
    );
    await open(api, '/tools/stdio-commands');
    const form = await screen.findByRole('form', { name: 'Make a command template' });
    fireEvent.change(within(form).getByLabelText('Name'), { target: { value: 'shell' } });
    fireEvent.change(within(form).getByLabelText('Executable path'), { target: { value: ' /bin/sh ' } });
    fireEvent.change(within(form).getByLabelText('Arguments, one per line'), {
      target: { value: '--repository\n{repository}' },
    });
    fireEvent.click(within(form).getByRole('button', { name: 'Add parameter' }));
    fireEvent.change(within(form).getByLabelText('Parameter 1 name'), { target: { value: 'repository' } });
    fireEvent.change(within(form).getByLabelText('Parameter 1 pattern'), { target: { value: '[a-z]+' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Make template' }));
    expect((await within(form).findByRole('alert')).textContent).toContain('is a shell');
    expect(within(form).getByLabelText('Executable path').getAttribute('aria-invalid')).toBe('true');
    expect(api.callsTo('POST', '/v1/mcp/stdio-commands')[0]?.body).toEqual({
      name: 'shell',
      executablePath: '/bin/sh',
      description: '',
      allowInterpreter: false,
      args: ['--repository', '{repository}'],
      parameters: [{ name: 'repository', type: 'string', pattern: '[a-z]+', description: '', required: true }],
      envNames: [],
      allowNetwork: false,
      readOnlyPaths: [],
    });
  });

  it('withdraws a command after confirmation', async () => {
    const api = commandsServer('platform_admin');
    await open(api, '/tools/stdio-commands');
    const row = (await screen.findByRole('rowheader', { name: 'git server' })).closest('tr')!;
    expect(row.textContent).toContain('/usr/local/bin/mcp-server-git --repository {repository}');
    expect(row.textContent).toContain('Resolves to /opt/git-mcp/bin/server');
    fireEvent.click(within(row).getByRole('button', { name: 'Delete git server' }));
    fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Withdraw command' }));
    await waitFor(() => expect(api.callsTo('DELETE', '/v1/mcp/stdio-commands/c1')).toHaveLength(1));
    await screen.findByText('No command templates exist yet, so no stdio MCP server can run.');
  });
});
