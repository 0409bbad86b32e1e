import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { clickTwice, fakeApi, problem, renderArea } from '../../ui/test-harness';
import type { McpServer, StdioCommand } from './tools-api';
import { toolsArea } from './tools-area';

afterEach(cleanup);

const httpServer: McpServer = {
  id: 's1',
  name: 'Docs search',
  transport: 'streamable-http',
  url: 'https://tools.example.test/mcp',
  headerNames: ['Authorization', 'X-Team'],
  stdioCommandId: null,
  command: null,
  parameters: {},
  envNames: [],
  enabled: true,
  status: 'error',
  statusMessage: 'The MCP server answered 401 Unauthorized',
  lastSyncedAt: null,
  createdAt: '2026-01-01T10:00:00.000Z',
  updatedAt: '2026-01-01T10:00:00.000Z',
};
const gitCommand: StdioCommand = {
  id: 'c1',
  name: 'git server',
  executablePath: '/usr/local/bin/mcp-server-git',
  description: '',
  allowInterpreter: false,
  args: ['--repository', '{repository}'],
  parameters: [{ name: 'repository', type: 'string', pattern: '/srv/[a-z ]+', description: '', required: true }],
  envNames: ['GIT_TOKEN'],
  allowNetwork: false,
  readOnlyPaths: [],
  inspection: null,
  createdAt: '2026-01-01T10:00:00.000Z',
};
const isolation = { sandbox: 'none', runAs: 'nobody', missing: ['children reach the network'], refusal: null };
const stdioServer: McpServer = {
  ...httpServer,
  id: 's2',
  name: 'Git',
  transport: 'stdio',
  url: null,
  headerNames: [],
  stdioCommandId: 'c1',
  command: ['/usr/local/bin/mcp-server-git', '--repository', '/srv/repo'],
  parameters: { repository: '/srv/repo' },
  envNames: ['GIT_TOKEN'],
  status: 'connected',
  statusMessage: null,
  lastSyncedAt: '2026-01-02T10:00:00.000Z',
};

/** A platform administrator withdrew its template: the server keeps its values, and no command line. */
const withdrawnServer: McpServer = {
  ...stdioServer,
  id: 's3',
  name: 'Old git',
  stdioCommandId: null,
  command: null,
  status: 'error',
  statusMessage: "Its command template 'git server' was withdrawn by a platform administrator",
};

function toolsServer(onSave: (body: unknown) => Response = () => Response.json(httpServer, { status: 201 })) {
  return fakeApi({
    'GET /v1/mcp/servers': () => Response.json({ items: [httpServer, stdioServer] }),
    'GET /v1/mcp/servers/s1': () => Response.json(httpServer),
    'GET /v1/mcp/servers/s2': () => Response.json(stdioServer),
    'GET /v1/mcp/servers/s3': () => Response.json(withdrawnServer),
    'GET /v1/mcp/tools': () => Response.json({ items: [] }),
    'GET /v1/mcp/stdio-commands': () => Response.json({ items: [gitCommand], isolation }),
    'POST /v1/mcp/servers': (call) => onSave(call.body),
    'PATCH /v1/mcp/servers/:id': (call) => onSave(call.body),
  });
}

const open = (server: ReturnType<typeof fakeApi>, path: string) =>
  renderArea(toolsArea.element, { fetchImpl: server.fetchImpl, areaPath: '/tools', path });

describe('MCP servers list', () => {
  it('shows each server with its status, the failure sentence, and its address or exact command', async () => {
    await open(toolsServer(), '/tools');
    const docs = (await screen.findByRole('link', { name: 'Docs search' })).closest('tr')!;
    expect(within(docs).getByText('Error')).toBeTruthy();
    expect(docs.textContent).toContain('The MCP server answered 401 Unauthorized');
    expect(docs.textContent).toContain('https://tools.example.test/mcp');
    expect(docs.textContent).toContain('Never');
    const git = screen.getByRole('link', { name: 'Git' }).closest('tr')!;
    expect(within(git).getByText('Connected')).toBeTruthy();
    expect(git.textContent).toContain('/usr/local/bin/mcp-server-git --repository /srv/repo');
  });
});

describe('MCP server form', () => {
  it('adds a Streamable HTTP server with its headers', async () => {
    const server = toolsServer();
    await open(server, '/tools/new');
    fireEvent.change(await screen.findByLabelText('Name'), { target: { value: ' Docs search ' } });
    fireEvent.change(screen.getByLabelText('URL'), { target: { value: 'https://tools.example.test/mcp' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add header' }));
    fireEvent.change(screen.getByLabelText('Header 1 name'), { target: { value: 'Authorization' } });
    const value = screen.getByLabelText('Header 1 value');
    expect(value.getAttribute('type')).toBe('password');
    fireEvent.change(value, { target: { value: 'Bearer s3cret' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add server' }));

    await waitFor(() => expect(server.callsTo('POST', '/v1/mcp/servers')).toHaveLength(1));
    expect(server.callsTo('POST', '/v1/mcp/servers')[0]?.body).toEqual({
      name: 'Docs search',
      enabled: true,
      transport: 'streamable-http',
      url: 'https://tools.example.test/mcp',
      headers: { Authorization: 'Bearer s3cret' },
    });
  });

  it('adds a stdio server from a command template, filling its parameters, showing the line that will run and the isolation', async () => {
    const server = toolsServer();
    await open(server, '/tools/new');
    fireEvent.change(await screen.findByLabelText('Name'), { target: { value: 'Git' } });
    fireEvent.click(screen.getByLabelText('stdio (a program on this server)'));
    expect(screen.queryByLabelText('URL')).toBeNull();
    fireEvent.change(await screen.findByLabelText('Command template'), { target: { value: 'c1' } });
    expect(screen.getByRole('status', { name: 'Isolation' }).textContent).toContain('children reach the network');
    expect(screen.queryByLabelText('Argument 1')).toBeNull();
    fireEvent.change(screen.getByLabelText(/^repository/), { target: { value: '/srv/my repo' } });
    expect(screen.getByText('/usr/local/bin/mcp-server-git --repository /srv/my repo')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Add variable' }));
    fireEvent.change(screen.getByLabelText('Variable 1 name'), { target: { value: 'GIT_TOKEN' } });
    fireEvent.change(screen.getByLabelText('Variable 1 value'), { target: { value: 'abc' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add server' }));

    await waitFor(() => expect(server.callsTo('POST', '/v1/mcp/servers')).toHaveLength(1));
    expect(server.callsTo('POST', '/v1/mcp/servers')[0]?.body).toEqual({
      name: 'Git',
      enabled: true,
      transport: 'stdio',
      stdioCommandId: 'c1',
      parameters: { repository: '/srv/my repo' },
      env: { GIT_TOKEN: 'abc' },
    });
  });

  it('shows stored header names but never values, and leaves them alone unless replaced', async () => {
    const server = toolsServer(() => Response.json(httpServer));
    await open(server, '/tools/s1/edit');
    const headers = await screen.findByRole('group', { name: 'Headers' });
    expect(headers.textContent).toContain('Authorization');
    expect(headers.textContent).toContain('X-Team');
    expect(within(headers).queryByLabelText('Header 1 value')).toBeNull();
    expect(screen.queryByLabelText('Transport')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));

    await waitFor(() => expect(server.callsTo('PATCH', '/v1/mcp/servers/s1')).toHaveLength(1));
    expect(server.callsTo('PATCH', '/v1/mcp/servers/s1')[0]?.body).toEqual({
      name: 'Docs search',
      enabled: true,
      url: 'https://tools.example.test/mcp',
    });
  });

  it('says the stored headers must be entered again once the URL changes, and not before', async () => {
    await open(toolsServer(), '/tools/s1/edit');
    const headers = await screen.findByRole('group', { name: 'Headers' });
    expect(headers.textContent).toContain('Stored encrypted and sent only to this server');
    fireEvent.change(screen.getByLabelText('URL'), { target: { value: 'https://elsewhere.example.test/mcp' } });
    expect(headers.textContent).toContain('The URL changed: enter the headers again, or remove them.');
    fireEvent.change(screen.getByLabelText('URL'), { target: { value: 'https://tools.example.test/mcp' } });
    expect(headers.textContent).toContain('Stored encrypted and sent only to this server');
  });

  it('replaces the whole set of headers, or removes it with null', async () => {
    const server = toolsServer(() => Response.json(httpServer));
    const view = await open(server, '/tools/s1/edit');
    fireEvent.click(await screen.findByRole('button', { name: 'Replace headers' }));
    fireEvent.click(screen.getByRole('button', { name: 'Add header' }));
    fireEvent.change(screen.getByLabelText('Header 1 name'), { target: { value: 'Authorization' } });
    fireEvent.change(screen.getByLabelText('Header 1 value'), { target: { value: 'Bearer new' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(server.callsTo('PATCH', '/v1/mcp/servers/s1')).toHaveLength(1));
    expect(server.callsTo('PATCH', '/v1/mcp/servers/s1')[0]?.body).toMatchObject({
      headers: { Authorization: 'Bearer new' },
    });
    view.unmount();

    const again = toolsServer(() => Response.json(httpServer));
    await open(again, '/tools/s1/edit');
    fireEvent.click(await screen.findByRole('button', { name: 'Remove headers' }));
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(again.callsTo('PATCH', '/v1/mcp/servers/s1')).toHaveLength(1));
    expect(again.callsTo('PATCH', '/v1/mcp/servers/s1')[0]?.body).toMatchObject({ headers: null });
  });

  it('edits a stdio server: its parameters are shown, the environment stays unless replaced', async () => {
    const server = toolsServer(() => Response.json(stdioServer));
    await open(server, '/tools/s2/edit');
    expect((await screen.findByLabelText<HTMLInputElement>(/^repository/)).value).toBe('/srv/repo');
    expect(screen.getByRole('group', { name: 'Environment' }).textContent).toContain('GIT_TOKEN');
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(server.callsTo('PATCH', '/v1/mcp/servers/s2')).toHaveLength(1));
    expect(server.callsTo('PATCH', '/v1/mcp/servers/s2')[0]?.body).toEqual({
      name: 'Git',
      enabled: true,
      stdioCommandId: 'c1',
      parameters: { repository: '/srv/repo' },
    });
  });

  it('gives a server whose template was withdrawn another one, keeping its values', async () => {
    const server = toolsServer(() => Response.json(stdioServer));
    await open(server, '/tools/s3');
    expect((await screen.findByText(/it has no command template/)).textContent).toContain('choose one');
    await open(server, '/tools/s3/edit');
    fireEvent.change(await screen.findByLabelText('Command template'), { target: { value: 'c1' } });
    expect((await screen.findByLabelText<HTMLInputElement>(/^repository/)).value).toBe('/srv/repo');
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(server.callsTo('PATCH', '/v1/mcp/servers/s3')).toHaveLength(1));
    expect(server.callsTo('PATCH', '/v1/mcp/servers/s3')[0]?.body).toEqual({
      name: 'Old git',
      enabled: true,
      stdioCommandId: 'c1',
      parameters: { repository: '/srv/repo' },
    });
  });

  it("shows the server's sentence next to the field it is about", async () => {
    const server = toolsServer(() =>
      problem(400, 'validation_failed', 'url: must be an http:// or https:// URL', [
        { field: 'url', message: 'must be an http:// or https:// URL' },
      ]),
    );
    await open(server, '/tools/new');
    fireEvent.change(await screen.findByLabelText('Name'), { target: { value: 'Docs' } });
    fireEvent.change(screen.getByLabelText('URL'), { target: { value: 'ftp://x.test' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add server' }));
    expect((await screen.findByRole('alert')).textContent).toContain('must be an http:// or https:// URL');
    expect(screen.getByLabelText('URL').getAttribute('aria-invalid')).toBe('true');
  });

  it('adds one server on a double-click of Add server', async () => {
    const server = toolsServer();
    await open(server, '/tools/new');
    fireEvent.change(await screen.findByLabelText('Name'), { target: { value: 'Docs search' } });
    fireEvent.change(screen.getByLabelText('URL'), { target: { value: 'https://tools.example.test/mcp' } });
    clickTwice(screen.getByRole('button', { name: 'Add server' }));

    expect(await screen.findByRole('heading', { name: 'Docs search', level: 1 })).toBeTruthy();
    expect(server.callsTo('POST', '/v1/mcp/servers')).toHaveLength(1);
  });
});
