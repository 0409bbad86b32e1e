import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, createConversation } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';

/**
 * A parent row deleted between the service's check and its write. The race is made certain with a
 * trigger that deletes the parent inside the write itself, so the database's foreign key refuses it as
 * it does when another request's delete lands in that gap.
 */
describe('a conversation, project or agent deleted between check and write', () => {
  let t: TestApp;
  let admin: SignedInUser;
  let agentId: string;

  beforeAll(async () => {
    t = await buildTestApp();
    admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
    agentId = (await createAgent(t.app, admin, { name: 'Helper' })).id;
  });
  afterAll(() => t.close());

  /** Makes an insert or update of `table` delete its row's parent first, for the rows `when` picks. */
  const deleteFirst = async (table: string, parent: string, column: string, when: string) => {
    const name = `delete_${parent}_before_${table}`;
    await t.database.executeSql(`create function ${name}() returns trigger language plpgsql as $$
      begin delete from ${parent} where id = new.${column}; return new; end $$`);
    await t.database.executeSql(`create trigger ${name} before insert or update on ${table}
      for each row when (${when}) execute function ${name}()`);
  };

  const createProject = async (name: string) =>
    (await t.app.inject({ method: 'POST', url: '/v1/projects', headers: admin.headers, payload: { name } })).json<{
      id: string;
    }>().id;

  it('answers 404 to a message whose conversation is deleted as it is stored', async () => {
    const conversation = await createConversation(t.app, admin, agentId, { title: 'doomed chat' });
    await deleteFirst('messages', 'conversations', 'conversation_id', `new.content = 'race the delete'`);
    const response = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversation.id}/messages`,
      headers: admin.headers,
      payload: { content: 'race the delete' },
    });
    expect(response.statusCode, response.body).toBe(404);
    expect(response.json().detail).toBe(`Conversation '${conversation.id}' was not found`);
  });

  it('answers 422 to a conversation put in a project deleted as it is written, on create and on move', async () => {
    await deleteFirst('conversations', 'projects', 'project_id', `new.title = 'race the project'`);
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/conversations',
      headers: admin.headers,
      payload: { agentId, projectId: await createProject('Doomed'), title: 'race the project' },
    });
    expect(created.statusCode, created.body).toBe(422);
    expect(created.json().detail).toMatch(/^Project '.+' was not found among the conversation owner's projects$/);

    const conversation = await createConversation(t.app, admin, agentId, { title: 'race the project' });
    const moved = await t.app.inject({
      method: 'PATCH',
      url: `/v1/conversations/${conversation.id}`,
      headers: admin.headers,
      payload: { projectId: await createProject('Doomed too') },
    });
    expect(moved.statusCode, moved.body).toBe(422);
    expect(moved.json().detail).toMatch(/was not found among the conversation owner's projects$/);
  });

  it('answers 422 to a conversation whose agent is deleted as it is created', async () => {
    await deleteFirst('conversations', 'agents', 'agent_id', `new.title = 'race the agent'`);
    const doomed = (await createAgent(t.app, admin, { name: 'Doomed helper' })).id;
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/conversations',
      headers: admin.headers,
      payload: { agentId: doomed, title: 'race the agent' },
    });
    expect(created.statusCode, created.body).toBe(422);
    expect(created.json().detail).toBe(`Agent '${doomed}' was not found among the agents you can use`);
  });
});
