import { afterEach, describe, expect, it } from 'vitest';
import { register, uniqueEmail, testPassword, type SignedIn } from '../harness/actors.js';
import { captureLogs } from '../harness/log-capture.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, signIn } from '../harness/tenant-setup.js';

interface AgentSummary {
  name: string;
  model: string;
  visibility: string;
}

/** Every new tenant starts with the agent "Assistant", so its first New chat has an agent to pick. */
describe('the default agent of a new tenant', () => {
  let t: TestApp | undefined;
  let second: TestApp | undefined;
  afterEach(async () => {
    await second?.close();
    await t?.close();
    t = second = undefined;
  });

  async function agentsOf(app: TestApp, user: SignedIn): Promise<AgentSummary[]> {
    const response = await app.app.inject({ method: 'GET', url: '/v1/agents', headers: user.headers });
    expect(response.statusCode).toBe(200);
    return (response.json().items as AgentSummary[]).map(({ name, model, visibility }) => ({
      name,
      model,
      visibility,
    }));
  }

  it('is created with the first administrator, on the offline model when no provider is configured, and logged', async () => {
    const logs = captureLogs();
    t = await buildTestApp({ DEFAULT_AGENT: 'on', LOG_LEVEL: 'info' }, { logDestination: logs.destination });
    const admin = await registerPlatformAdmin(t.app);
    expect(await agentsOf(t, admin)).toEqual([{ name: 'Assistant', model: 'offline', visibility: 'tenant' }]);
    const announced = logs.entries().filter((entry) => entry.msg?.startsWith("created the agent 'Assistant'"));
    expect(announced).toHaveLength(1);
    expect(announced[0]).toMatchObject({ tenantId: admin.tenantId, model: 'offline' });
  });

  it("answers with DEFAULT_MODEL, else the server-wide provider's usual model", async () => {
    t = await buildTestApp({ DEFAULT_AGENT: 'on', OPENAI_API_KEY: 'sk-unused' });
    expect((await agentsOf(t, await registerPlatformAdmin(t.app)))[0]?.model).toBe('openai:gpt-4o-mini');
    await t.close();
    t = await buildTestApp({ DEFAULT_AGENT: 'on', OPENAI_API_KEY: 'sk-unused', DEFAULT_MODEL: 'openai:gpt-4.1' });
    expect((await agentsOf(t, await registerPlatformAdmin(t.app)))[0]?.model).toBe('openai:gpt-4.1');
    // Two apps start in this test; on a loaded 2-core machine that alone can pass the default 30 s.
  }, 90_000);

  it('is given to every tenant a platform admin creates, with or without its admin, and to every open sign-up', async () => {
    t = await buildTestApp({ DEFAULT_AGENT: 'on', SIGNUP_MODE: 'open' });
    const platformAdmin = await registerPlatformAdmin(t.app);
    const tenantAdmin = await createTenantWithAdmin(t.app, platformAdmin, 'Acme');
    expect(await agentsOf(t, tenantAdmin)).toEqual([{ name: 'Assistant', model: 'offline', visibility: 'tenant' }]);
    const bare = await t.app.inject({
      method: 'POST',
      url: '/v1/tenants',
      headers: platformAdmin.headers,
      payload: { name: 'No admin yet' },
    });
    expect(bare.statusCode).toBe(201);
    const { rows } = await t.database.executeSql('select name from agents where tenant_id = $1', [bare.json().id]);
    expect(rows).toEqual([{ name: 'Assistant' }]);
    const signedUp = await register(t.app, uniqueEmail('open'));
    expect((await agentsOf(t, signedUp)).map((agent) => agent.name)).toEqual(['Assistant']);
    // The platform admin's own tenant still has its one.
    expect(await agentsOf(t, platformAdmin)).toHaveLength(1);
  });

  it('is not created again by a restart or a second node on the same database', async () => {
    t = await buildTestApp({ DEFAULT_AGENT: 'on' });
    const admin = await registerPlatformAdmin(t.app);
    second = await buildTestApp({ DEFAULT_AGENT: 'on' }, { sharedDatabase: t.database });
    const onSecond = await signIn(second.app, admin.email, testPassword);
    expect(await agentsOf(second, onSecond)).toHaveLength(1);
    expect(await agentsOf(t, admin)).toHaveLength(1);
  });

  it('is not created with DEFAULT_AGENT=off', async () => {
    t = await buildTestApp({ DEFAULT_AGENT: 'off' });
    expect(await agentsOf(t, await registerPlatformAdmin(t.app))).toEqual([]);
  });
});
