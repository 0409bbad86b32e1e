import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAnthropicServer, type FakeAnthropicServer } from '../fakes/fake-anthropic-server.js';
import { createAgent, createConversation } from '../harness/chat-setup.js';
import { captureLogs, type LogCapture } from '../harness/log-capture.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';

describe("a provider SDK's warnings", () => {
  let anthropic: FakeAnthropicServer;
  let t: TestApp;
  let logs: LogCapture;
  let admin: SignedInUser;

  beforeAll(async () => {
    anthropic = await startFakeAnthropicServer();
    logs = captureLogs();
    t = await buildTestApp(
      { ANTHROPIC_API_KEY: 'sk-ant-warnings', ANTHROPIC_BASE_URL: anthropic.baseUrl, LOG_LEVEL: 'info' },
      { logDestination: logs.destination },
    );
    admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
  });
  afterAll(async () => {
    await t.close();
    await anthropic.close();
  });

  it("reach the operator's log once per model, saying which setting the model did not get", async () => {
    // A name the Anthropic SDK does not know: it drops the temperature and says so, in a warning.
    const agent = await createAgent(t.app, admin, {
      name: 'Alias',
      model: 'anthropic:claude-gateway-alias',
      temperature: 0.5,
    });
    for (const text of ['First', 'Second']) {
      const conversation = await createConversation(t.app, admin, agent.id, { title: text });
      const response = await t.app.inject({
        method: 'POST',
        url: `/v1/conversations/${conversation.id}/messages`,
        headers: admin.headers,
        payload: { content: text },
      });
      expect(response.statusCode).toBe(201);
    }
    expect(anthropic.lastRequest().body).not.toHaveProperty('temperature');
    const warnings = logs.entries().filter((entry) => entry.model === 'claude-gateway-alias' && entry.level === 40);
    const temperature = warnings.filter((entry) => /temperature/.test(entry.msg ?? ''));
    expect(temperature).toHaveLength(1);
    expect(temperature[0]).toMatchObject({ provider: 'anthropic.messages', warning: 'unsupported' });
  });
});
