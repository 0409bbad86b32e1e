import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeApi, pageOf, problem, renderArea, type FakeCall } from '../../ui/test-harness';
import type { McpServer, McpTool, ToolExecution, ToolExecutionResult } from './tools-api';
import { toolsArea } from './tools-area';

afterEach(cleanup);

const server: McpServer = {
  id: 's1',
  name: 'Calculator',
  transport: 'streamable-http',
  url: 'http://127.0.0.1:9/mcp',
  headerNames: [],
  stdioCommandId: null,
  command: null,
  parameters: {},
  envNames: [],
  enabled: true,
  status: 'unknown',
  statusMessage: null,
  lastSyncedAt: null,
  createdAt: '2026-01-01T10:00:00.000Z',
  updatedAt: '2026-01-01T10:00:00.000Z',
};
const add: McpTool = {
  id: 't1',
  serverId: 's1',
  name: 'add',
  description: 'Adds two numbers',
  inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] },
  enabled: true,
  approval: 'auto',
  syncedAt: '2026-01-01T10:00:00.000Z',
};
const echo: McpTool = { ...add, id: 't2', name: 'echo', description: 'Repeats a message', enabled: false };

function calculator(handlers: Record<string, (call: FakeCall) => Response | Promise<Response>> = {}) {
  let tools = [add, echo];
  return fakeApi({
    'GET /v1/mcp/servers': () => Response.json({ items: [server] }),
    'GET /v1/mcp/servers/s1': () => Response.json(server),
    'GET /v1/mcp/tools': () => Response.json({ items: tools }),
    'PATCH /v1/mcp/tools/:id': (call) => {
      const id = call.path.split('/').at(-1);
      tools = tools.map((tool) => (tool.id === id ? { ...tool, ...(call.body as Partial<McpTool>) } : tool));
      return Response.json(tools.find((tool) => tool.id === id));
    },
    'POST /v1/mcp/servers/s1/sync': () => Response.json({ items: tools }),
    ...handlers,
  });
}

const open = (api: ReturnType<typeof fakeApi>, path = '/tools/s1') =>
  renderArea(toolsArea.element, { fetchImpl: api.fetchImpl, areaPath: '/tools', path });

const toolItem = async (name: string) => screen.findByRole('listitem', { name });

describe("a server's tools", () => {
  it('lists each tool with its description and its input schema, pretty-printed and folded', async () => {
    await open(calculator());
    const item = await toolItem('add');
    expect(item.textContent).toContain('Adds two numbers');
    const schema = item.querySelector('details')!;
    expect(schema.open).toBe(false);
    expect(schema.querySelector('pre')!.textContent).toBe(JSON.stringify(add.inputSchema, null, 2));
    expect(within(await toolItem('echo')).getByText('Disabled')).toBeTruthy();
  });

  it('syncs and says how many tools came back, or why it could not', async () => {
    const api = calculator();
    await open(api);
    fireEvent.click(await screen.findByRole('button', { name: 'Sync tools' }));
    expect((await screen.findByRole('status')).textContent).toBe('Synced: 2 tools found.');

    cleanup();
    const failing = calculator({
      'POST /v1/mcp/servers/s1/sync': () =>
        problem(503, 'not_ready', "MCP server 'Calculator' could not be reached: connection refused"),
    });
    await open(failing);
    fireEvent.click(await screen.findByRole('button', { name: 'Sync tools' }));
    expect((await screen.findByRole('alert')).textContent).toContain('could not be reached: connection refused');
  });

  it('enables and disables a tool, and changes whether it needs approval', async () => {
    const api = calculator();
    await open(api);
    const echoItem = await toolItem('echo');
    fireEvent.click(within(echoItem).getByLabelText('Enabled'));
    await waitFor(() => expect(within(echoItem).queryByText('Disabled')).toBeNull());
    expect(api.callsTo('PATCH', '/v1/mcp/tools/t2')[0]?.body).toEqual({ enabled: true });

    const addItem = await toolItem('add');
    fireEvent.change(within(addItem).getByLabelText('Approval'), { target: { value: 'needs_approval' } });
    await within(addItem).findByText('Needs approval', { selector: '.badge' });
    expect(api.callsTo('PATCH', '/v1/mcp/tools/t1')[0]?.body).toEqual({ approval: 'needs_approval' });
    expect(within(addItem).getByLabelText<HTMLSelectElement>('Approval').value).toBe('needs_approval');
  });

  it('switches on every tool still off with one click, and offers it no more once none is', async () => {
    const lookup: McpTool = { ...echo, id: 't3', name: 'lookup', description: 'Looks a word up' };
    let tools = [add, echo, lookup];
    const api = calculator({
      'GET /v1/mcp/tools': () => Response.json({ items: tools }),
      'PATCH /v1/mcp/tools/:id': (call) => {
        const id = call.path.split('/').at(-1);
        tools = tools.map((tool) => (tool.id === id ? { ...tool, ...(call.body as Partial<McpTool>) } : tool));
        return Response.json(tools.find((tool) => tool.id === id));
      },
    });
    await open(api);
    fireEvent.click(await screen.findByRole('button', { name: 'Enable all 2 switched off' }));

    await waitFor(() => expect(screen.queryByText('Disabled')).toBeNull());
    expect(api.callsTo('PATCH', '/v1/mcp/tools/t1')).toHaveLength(0);
    expect(api.callsTo('PATCH', '/v1/mcp/tools/t2').map((call) => call.body)).toEqual([{ enabled: true }]);
    expect(api.callsTo('PATCH', '/v1/mcp/tools/t3').map((call) => call.body)).toEqual([{ enabled: true }]);
    expect(screen.queryByRole('button', { name: /^Enable all/ })).toBeNull();
  });

  it('shows a toggle at once, and puts it back with the sentence when the server refuses', async () => {
    let answer: (response: Response) => void = () => undefined;
    const api = calculator({
      'PATCH /v1/mcp/tools/:id': () => new Promise<Response>((resolve) => (answer = resolve)),
    });
    await open(api);
    const addItem = await toolItem('add');
    const checkbox = within(addItem).getByLabelText<HTMLInputElement>('Enabled');
    fireEvent.click(checkbox);
    expect(checkbox.checked).toBe(false);
    await waitFor(() => expect(api.callsTo('PATCH', '/v1/mcp/tools/t1')).toHaveLength(1));
    answer(problem(404, 'not_found', "Tool 't1' was not found"));
    expect((await within(addItem).findByRole('alert')).textContent).toContain("Tool 't1' was not found");
    expect(checkbox.checked).toBe(true);
  });

  it('tries a tool: JSON arguments in, the result, its duration and the truncation note out', async () => {
    const result: ToolExecutionResult = {
      content: [{ type: 'text', text: '5' }],
      isError: false,
      truncated: true,
      durationMs: 12,
      outcome: 'success',
    };
    const api = calculator({ 'POST /v1/mcp/tools/t1/execute': () => Response.json(result) });
    await open(api);
    const item = await toolItem('add');
    fireEvent.click(within(item).getByRole('button', { name: 'Try it add' }));
    const argumentsField = within(item).getByLabelText<HTMLTextAreaElement>('Arguments (JSON)');
    // A template of the declared properties to start from.
    expect(JSON.parse(argumentsField.value)).toEqual({ a: 0, b: 0 });
    fireEvent.change(argumentsField, { target: { value: '{"a": 2, "b": 3}' } });
    fireEvent.click(within(item).getByRole('button', { name: 'Run' }));

    const shown = await within(item).findByRole('region', { name: 'Result' });
    expect(api.callsTo('POST', '/v1/mcp/tools/t1/execute')[0]?.body).toEqual({ arguments: { a: 2, b: 3 } });
    expect(shown.querySelector('pre')!.textContent).toBe('5');
    expect(shown.textContent).toContain('Success');
    expect(shown.textContent).toContain('12 ms');
    expect(shown.textContent).toContain('was cut');
  });

  it('refuses arguments that are not a JSON object before sending, and shows an error result as one', async () => {
    const api = calculator({
      'POST /v1/mcp/tools/t1/execute': () =>
        Response.json({
          content: [{ type: 'text', text: 'the database of this tool is on fire' }],
          isError: true,
          truncated: false,
          durationMs: 3,
          outcome: 'error',
        } satisfies ToolExecutionResult),
    });
    await open(api);
    const item = await toolItem('add');
    fireEvent.click(within(item).getByRole('button', { name: 'Try it add' }));
    const argumentsField = within(item).getByLabelText('Arguments (JSON)');
    fireEvent.change(argumentsField, { target: { value: '[1, 2]' } });
    fireEvent.click(within(item).getByRole('button', { name: 'Run' }));
    expect((await within(item).findByRole('alert')).textContent).toContain('must be a JSON object');
    fireEvent.change(argumentsField, { target: { value: '{"a": 1,' } });
    fireEvent.click(within(item).getByRole('button', { name: 'Run' }));
    expect((await within(item).findByRole('alert')).textContent).toContain('not valid JSON');
    expect(api.callsTo('POST', '/v1/mcp/tools/t1/execute')).toHaveLength(0);

    fireEvent.change(argumentsField, { target: { value: '{}' } });
    fireEvent.click(within(item).getByRole('button', { name: 'Run' }));
    const shown = await within(item).findByRole('region', { name: 'Result' });
    expect(shown.querySelector('.badge-danger')!.textContent).toBe('Error');
    expect(shown.textContent).toContain('on fire');
  });

  it("clears the last run's server error and field hint when the next run's arguments are not JSON", async () => {
    const api = calculator({
      'POST /v1/mcp/tools/t1/execute': () =>
        problem(400, 'validation_failed', 'The arguments do not match the tool', [
          { field: 'arguments.a', message: 'is required' },
        ]),
    });
    await open(api);
    const item = await toolItem('add');
    fireEvent.click(within(item).getByRole('button', { name: 'Try it add' }));
    const argumentsField = within(item).getByLabelText('Arguments (JSON)');
    fireEvent.change(argumentsField, { target: { value: '{"wrong":1}' } });
    fireEvent.click(within(item).getByRole('button', { name: 'Run' }));
    expect((await within(item).findByRole('alert')).textContent).toContain('do not match the tool');
    expect(within(item).getByText('is required')).toBeTruthy();

    fireEvent.change(argumentsField, { target: { value: '{not json' } });
    fireEvent.click(within(item).getByRole('button', { name: 'Run' }));
    const alerts = await within(item).findAllByRole('alert');
    expect(alerts.map((alert) => alert.textContent)).toEqual([expect.stringContaining('not valid JSON')]);
    expect(within(item).queryByText('is required')).toBeNull();
    expect(argumentsField.getAttribute('aria-invalid')).toBe('true');
  });

  it('offers no Run for a disabled tool', async () => {
    await open(calculator());
    const item = await toolItem('echo');
    fireEvent.click(within(item).getByRole('button', { name: 'Try it echo' }));
    expect(within(item).getByRole<HTMLButtonElement>('button', { name: 'Run' }).disabled).toBe(true);
  });
});

describe('execution log', () => {
  it('shows time, tool and server, user, outcome, duration, size and truncation', async () => {
    const entry: ToolExecution = {
      id: 'e1',
      toolId: 't1',
      serverId: 's1',
      toolName: 'add',
      userId: 'u-self',
      agentId: null,
      conversationId: null,
      argumentsSha256: 'ab'.repeat(32),
      durationMs: 1500,
      outcome: 'timeout',
      resultBytes: 2048,
      truncated: true,
      errorMessage: "Tool 'add' did not answer within 30000 ms and was cancelled",
      createdAt: '2026-01-01T10:00:00.000Z',
    };
    const api = calculator({
      'GET /v1/mcp/executions': () => pageOf([entry]),
      'GET /v1/users': () => pageOf([]),
    });
    await open(api, '/tools/executions');
    const row = (await screen.findByRole('rowheader', { name: /add/ })).closest('tr')!;
    expect(row.textContent).toContain('Calculator');
    expect(row.textContent).toContain('You');
    expect(row.textContent).toContain('Timed out');
    expect(row.textContent).toContain('did not answer within 30000 ms');
    expect(row.textContent).toContain('1.5 s');
    expect(row.textContent).toContain('2.0 KB');
    expect(row.textContent).toContain('Truncated');
  });
});
