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
  createdAt: '2026-01-01T10:00:00.000Z',
};

function commandsServer(role: 'tenant_admin' | 'platform_admin', onAdd: () => Response = () => Response.json(git)) {
  let items: StdioCommand[] = [git];
  return fakeApi(
    {
      'GET /v1/mcp/servers': () => Response.json({ items: [] }),
      'GET /v1/mcp/stdio-commands': () => Response.json({ items }),
      'POST /v1/mcp/stdio-commands': onAdd,
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

describe('allowed stdio commands', () => {
  it('are only for platform administrators: a tenant admin sees no tab and is sent back by address', async () => {
    await open(commandsServer('tenant_admin'), '/tools/stdio-commands');
    await screen.findByRole('heading', { name: 'MCP servers' });
    expect(screen.queryByRole('link', { name: 'Allowed commands' })).toBeNull();
  });

  it('allows a command with its absolute path, and shows why the server refuses one', async () => {
    const api = commandsServer('platform_admin', () =>
      problem(400, 'validation_failed', "'/bin/sh' is a shell; allow the MCP server's own executable instead", [
        { field: 'executablePath', message: "'/bin/sh' is a shell" },
      ]),
    );
    await open(api, '/tools/stdio-commands');
    const form = await screen.findByRole('form', { name: 'Allow a command' });
    fireEvent.change(within(form).getByLabelText('Name'), { target: { value: 'shell' } });
    fireEvent.change(within(form).getByLabelText('Executable path'), { target: { value: ' /bin/sh ' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Allow command' }));
    expect((await within(form).findByRole('alert')).textContent).toContain('is a shell');
    expect(within(form).getByLabelText('Executable path').getAttribute('aria-invalid')).toBe('true');
    expect(api.callsTo('POST', '/v1/mcp/stdio-commands')[0]?.body).toEqual({
      name: 'shell',
      executablePath: '/bin/sh',
      description: '',
      allowInterpreter: false,
    });
  });

  it('withdraws a command after confirmation', async () => {
    const api = commandsServer('platform_admin');
    await open(api, '/tools/stdio-commands');
    const row = (await screen.findByRole('rowheader', { name: 'git server' })).closest('tr')!;
    expect(row.textContent).toContain('/usr/local/bin/mcp-server-git');
    fireEvent.click(within(row).getByRole('button', { name: 'Delete git server' }));
    fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Withdraw command' }));
    await waitFor(() => expect(api.callsTo('DELETE', '/v1/mcp/stdio-commands/c1')).toHaveLength(1));
    await screen.findByText('No commands are allowed yet, so no stdio MCP server can run.');
  });
});
