import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { createAgent, createConversation } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';
import { createSource, multipartBody, uploadAccepted, waitForDocument } from '../knowledge/knowledge-setup.js';
import { startHttpMcpServer, type TestHttpMcpServer } from '../mcp/fixtures/http-server.js';
import { createServer, syncTools, testMcpBounds } from '../mcp/mcp-setup.js';
import {
  json,
  routeCases,
  exemptRoutes,
  referenceCases,
  takesBody,
  parameterisedRoutes,
  fillPattern,
  unknownIds,
  comparable,
  echoedSecrets,
  notFoundRule,
  refusedRule,
  anyStatusRule,
  type Method,
  type Ids,
  type RequestBody,
  type Probe,
  type TenantAIds,
  type OwnObjects,
  type ObjectRead,
  type StatusRule,
} from './tenant-isolation-cases.js';

/**
 * The acceptance line "a request for another tenant's object answers 404 with a body that reveals
 * nothing, for every route", checked over the whole route table at once. Tenant A gets one object of
 * every kind a route addresses, made through the public API; tenant B's admin and member then call every
 * parameterised route with A's ids, and again with ids that exist nowhere. The two answers must be the
 * same once the ids are masked: a caller must not be able to tell "someone else's" from "no such thing".
 */

describe("another tenant's objects, on every route", () => {
  let openai: FakeOpenAIServer;
  let mcpServer: TestHttpMcpServer;
  let t: TestApp;
  const routes: RouteOptions[] = [];
  let adminA: SignedInUser;
  let adminB: SignedInUser;
  let memberB: SignedInUser;
  let a: TenantAIds;
  /** Each tenant-B caller's own objects, by user id. */
  const ownObjects = new Map<string, OwnObjects>();
  /** Everything of tenant A an answer to tenant B must not show. */
  const secretsOfA: string[] = [];
  let tenantABefore: Map<string, ObjectRead>;

  beforeAll(async () => {
    [openai, mcpServer] = await Promise.all([startFakeOpenAIServer(), startHttpMcpServer()]);
    // The fake model and MCP servers live on loopback, which the outbound guard refuses unless allowed.
    t = await buildTestApp(
      { OUTBOUND_ALLOW: '127.0.0.1' },
      { mcp: testMcpBounds, onRoute: (route) => routes.push(route) },
    );
    const platformAdmin = await registerPlatformAdmin(t.app);
    adminA = await createTenantWithAdmin(t.app, platformAdmin, 'Hollowbrook Ltd');
    adminB = await createTenantWithAdmin(t.app, platformAdmin, 'Tenant B');
    memberB = await createUser(t.app, adminB, 'member');
    a = await seedTenantA();
    await seedTenantB();
    tenantABefore = await readTenantA();
    const unreadable = [...tenantABefore].filter(([, read]) => read.status !== 200);
    expect(unreadable).toEqual([]);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await Promise.all([openai?.close(), mcpServer?.close()]);
  });

  const call = (user: SignedInUser, method: Method, url: string, body: RequestBody = {}) =>
    t.app.inject({
      method,
      url,
      headers: { ...user.headers, ...body.headers },
      ...(body.payload !== undefined && { payload: body.payload }),
    });

  /** Makes an object through the API as tenant A's admin; its id joins A's secrets. */
  async function made<T = { id: string }>(method: Method, url: string, body: RequestBody): Promise<T> {
    const response = await call(adminA, method, url, body);
    expect(response.statusCode, `${method} ${url}: ${response.body}`).toBeLessThan(300);
    const created = response.json<T & { id?: unknown }>();
    if (typeof created.id === 'string') secretsOfA.push(created.id);
    return created;
  }

  /** Every name and content carries "Hollowbrook", so finding that word in an answer is never chance. */
  async function seedTenantA(): Promise<TenantAIds> {
    const memberA = await createUser(t.app, adminA, 'member');
    secretsOfA.push(adminA.tenantId, adminA.userId, adminA.email, memberA.userId, memberA.email, 'hollowbrook');
    const provider = await made(
      'POST',
      '/v1/providers',
      json({
        name: 'hollowbrook-models',
        kind: 'openai',
        baseUrl: openai.baseUrl,
        apiKey: 'sk-provider-key-7f3e9a',
        models: ['gpt-4o-mini'],
      }),
    );
    const ssoConnection = await made(
      'POST',
      '/v1/sso/connections',
      json({
        slug: 'hollowbrook',
        issuerUrl: 'http://127.0.0.1:9/hollowbrook',
        clientId: 'hollowbrook-client',
        clientSecret: 'sso-client-secret-4b8d1e',
      }),
    );
    const mcp = await seedMcpTools();
    const knowledge = await seedKnowledge();
    const project = await made('POST', '/v1/projects', json({ name: 'Hollowbrook launch plan' }));
    const apiKey = await made<{ id: string; key: string }>('POST', '/v1/api-keys', json({ name: 'Hollowbrook key' }));
    const chat = await seedChat(knowledge.sourceId, project.id);
    const toolAgent = await createAgent(t.app, adminA, {
      name: 'Hollowbrook porter bot',
      model: 'hollowbrook-models:gpt-4o-mini',
      toolKeys: [`mcp:${mcp.toolId}`],
    });
    const failed = await seedFailedReply(toolAgent.id);
    const approval = await seedReplyAwaitingApproval(toolAgent.id);
    const support = await seedSupportDesk();
    const evaluation = await seedEvaluation(chat.agentId);
    secretsOfA.push('sso-client-secret-4b8d1e');
    secretsOfA.push(toolAgent.id, apiKey.key, 'sk-provider-key-7f3e9a', 'mcp-token-5c1d2b', 'Quillfeather');
    return {
      tenantId: adminA.tenantId,
      adminId: adminA.userId,
      memberId: memberA.userId,
      apiKeyId: apiKey.id,
      providerId: provider.id,
      ssoConnectionId: ssoConnection.id,
      projectId: project.id,
      ...knowledge,
      ...chat,
      mcpServerId: mcp.serverId,
      mcpToolId: mcp.toolId,
      failedConversationId: failed.conversationId,
      failedReplyId: failed.replyId,
      approvalConversationId: approval.conversationId,
      approvalReplyId: approval.replyId,
      toolCallId: approval.toolCallId,
      ...support,
      ...evaluation,
    };
  }

  /** An evaluation set with one case, and a run of it against A's agent. */
  async function seedEvaluation(agentId: string) {
    const set = await made('POST', '/v1/evaluation-sets', json({ name: 'Hollowbrook regressions' }));
    const evaluationCase = await made(
      'POST',
      `/v1/evaluation-sets/${set.id}/cases`,
      json({ question: 'Hollowbrook opening hours?' }),
    );
    const run = await made('POST', '/v1/evaluation-runs', json({ setId: set.id, agentId, arms: [{}] }));
    return { evaluationSetId: set.id, evaluationCaseId: evaluationCase.id, evaluationRunId: run.id };
  }

  /** An inbox, a contact, a support conversation between them, and a canned response. */
  async function seedSupportDesk() {
    const inbox = await made('POST', '/v1/inboxes', json({ name: 'Hollowbrook front desk' }));
    const contact = await made(
      'POST',
      '/v1/contacts',
      json({ name: 'Hollowbrook guest', email: 'guest@hollowbrook.test' }),
    );
    const conversation = await made(
      'POST',
      '/v1/support-conversations',
      json({ inboxId: inbox.id, contactId: contact.id }),
    );
    const canned = await made(
      'POST',
      '/v1/canned-responses',
      json({ shortcode: 'hollowbrook', content: 'Hollowbrook says hello' }),
    );
    const team = await made('POST', '/v1/teams', json({ name: 'Hollowbrook billing' }));
    const rule = await made(
      'POST',
      '/v1/routing-rules',
      json({ name: 'Hollowbrook VIPs', trigger: 'created', actions: [{ type: 'set_priority', priority: 'high' }] }),
    );
    return {
      routingRuleId: rule.id,
      inboxId: inbox.id,
      contactId: contact.id,
      supportConversationId: conversation.id,
      cannedResponseId: canned.id,
      teamId: team.id,
      ...(await seedWebhook()),
    };
  }

  /** A webhook endpoint (on a port nothing listens on) with one delivery: its test event. */
  async function seedWebhook() {
    const webhook = await made(
      'POST',
      '/v1/webhooks',
      json({ url: 'http://127.0.0.1:9/hollowbrook', eventTypes: ['contact.created'] }),
    );
    const delivery = await made('POST', `/v1/webhooks/${webhook.id}/test`, json({}));
    return { webhookId: webhook.id, webhookDeliveryId: delivery.id };
  }

  /** An MCP server with its tools synced; `echo` asks for approval before it runs. */
  async function seedMcpTools(): Promise<{ serverId: string; toolId: string }> {
    const created = await createServer(t.app, adminA, {
      name: 'Hollowbrook tools',
      transport: 'streamable-http',
      url: mcpServer.url,
      headers: { Authorization: 'Bearer mcp-token-5c1d2b' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const serverId = created.json<{ id: string }>().id;
    const echo = (await syncTools(t.app, adminA, serverId)).echo!;
    await made('PATCH', `/v1/mcp/tools/${echo.id}`, json({ approval: 'needs_approval' }));
    secretsOfA.push(serverId);
    return { serverId, toolId: echo.id };
  }

  /** A knowledge source with one document, indexed, so the read-back after the walk compares like with like. */
  async function seedKnowledge(): Promise<{ sourceId: string; documentId: string; importId: string }> {
    const sourceId = (await createSource(t.app, adminA, { name: 'Hollowbrook handbook' })).id;
    const content = Buffer.from('# Hollowbrook handbook\n\nThe Hollowbrook vault code is kept by the night porter.');
    const document = await uploadAccepted(t.app, adminA, sourceId, content, { filename: 'hollowbrook-handbook.md' });
    expect((await waitForDocument(t.app, adminA, sourceId, document.id)).status).toBe('ready');
    const rota = multipartBody(Buffer.from('Hollowbrook rota: the night porter works Tuesdays.'), {
      filename: 'hollowbrook-rota.txt',
    });
    const imported = await made<{ id: string }>('POST', `/v1/knowledge-sources/${sourceId}/imports`, rota);
    secretsOfA.push(sourceId, document.id, imported.id);
    return { sourceId, documentId: document.id, importId: imported.id };
  }

  /** A conversation in a project: a message with an attachment, and the offline model's reply. */
  async function seedChat(sourceId: string, projectId: string) {
    const agent = await createAgent(t.app, adminA, {
      name: 'Hollowbrook concierge',
      model: 'offline',
      knowledgeSourceIds: [sourceId],
    });
    const upload = multipartBody(Buffer.from('Hollowbrook guest list: Marguerite Quillfeather.'), {
      filename: 'hollowbrook-guests.txt',
    });
    const file = await made('POST', '/v1/files', upload);
    const conversation = await createConversation(t.app, adminA, agent.id, {
      title: 'Hollowbrook launch chat',
      projectId,
    });
    const exchange = await made<{ userMessage: { id: string }; assistantMessage: { id: string } }>(
      'POST',
      `/v1/conversations/${conversation.id}/messages`,
      json({ content: 'Who is on the Hollowbrook guest list?', fileIds: [file.id] }),
    );
    secretsOfA.push(agent.id, conversation.id, exchange.userMessage.id, exchange.assistantMessage.id);
    return { agentId: agent.id, conversationId: conversation.id, fileId: file.id };
  }

  /** A conversation whose latest reply failed: the model's provider answered 500. */
  async function seedFailedReply(agentId: string) {
    const conversation = await createConversation(t.app, adminA, agentId, { title: 'Hollowbrook failed chat' });
    openai.respondWith({ error: { status: 500 } });
    const url = `/v1/conversations/${conversation.id}/messages`;
    const failed = await call(adminA, 'POST', url, json({ content: 'Hollowbrook question that fails' }));
    expect(failed.statusCode, failed.body).toBe(502);
    const replyId = failed.json<{ assistantMessageId: string }>().assistantMessageId;
    secretsOfA.push(conversation.id, replyId);
    return { conversationId: conversation.id, replyId };
  }

  /** A conversation whose latest reply waits for a decision on the model's call of `echo`. */
  async function seedReplyAwaitingApproval(agentId: string) {
    const conversation = await createConversation(t.app, adminA, agentId, { title: 'Hollowbrook approval chat' });
    // Generic on purpose: B's decision sends it in the body, so an answer may fairly repeat it.
    const toolCallId = 'call_echo_1';
    const toolCall = { id: toolCallId, name: 'echo', arguments: '{"message":"Hollowbrook"}' };
    openai.respondWith({ script: [{ replyTokens: ['Checking. '], toolCalls: [toolCall] }] });
    const url = `/v1/conversations/${conversation.id}/messages`;
    const sent = await call(adminA, 'POST', url, json({ content: 'Hollowbrook echo please' }));
    expect(sent.statusCode, sent.body).toBe(201);
    const reply = sent.json<{ assistantMessage: { id: string; status: string } }>().assistantMessage;
    expect(reply.status).toBe('awaiting_approval');
    secretsOfA.push(conversation.id, reply.id);
    return { conversationId: conversation.id, replyId: reply.id, toolCallId };
  }

  /** Each B caller owns an agent and a conversation; the admin's source is readable by both. */
  async function seedTenantB(): Promise<void> {
    const source = await createSource(t.app, adminB, { name: 'Tenant B notes' });
    for (const caller of [adminB, memberB]) {
      const agent = await createAgent(t.app, caller, {
        name: 'Tenant B helper',
        model: 'offline',
        visibility: 'private',
      });
      const conversation = await createConversation(t.app, caller, agent.id, { title: 'Tenant B chat' });
      ownObjects.set(caller.userId, { sourceId: source.id, agentId: agent.id, conversationId: conversation.id });
    }
  }

  /** Everything of tenant A its admin can read: each seeded object and each list. */
  function tenantAReadUrls(): string[] {
    const documents = `/v1/knowledge-sources/${a.sourceId}/documents`;
    const conversations = [a.conversationId, a.failedConversationId, a.approvalConversationId];
    return [
      ...['/v1/users', `/v1/users/${a.memberId}`, '/v1/api-keys', '/v1/providers', `/v1/providers/${a.providerId}`],
      ...['/v1/agents', `/v1/agents/${a.agentId}`, '/v1/projects', `/v1/projects/${a.projectId}`],
      ...['/v1/conversations', '/v1/conversations?archived=true'],
      ...conversations.flatMap((id) => [`/v1/conversations/${id}`, `/v1/conversations/${id}/messages`]),
      ...['/v1/knowledge-sources', `/v1/knowledge-sources/${a.sourceId}`, documents, `${documents}/${a.documentId}`],
      ...[`/v1/files/${a.fileId}`, `/v1/files/${a.fileId}/content`],
      ...['/v1/mcp/servers', `/v1/mcp/servers/${a.mcpServerId}`, '/v1/mcp/tools', '/v1/mcp/executions'],
      ...['/v1/inboxes', `/v1/inboxes/${a.inboxId}`, '/v1/contacts', `/v1/contacts/${a.contactId}`],
      ...[`/v1/support-conversations/${a.supportConversationId}`, '/v1/canned-responses'],
      ...[`/v1/support-conversations/${a.supportConversationId}/events`],
      ...[`/v1/support-conversations/${a.supportConversationId}/notes`],
      ...['/v1/webhooks', `/v1/webhooks/${a.webhookId}`],
      ...['/v1/sso/connections', `/v1/sso/connections/${a.ssoConnectionId}`],
    ];
  }

  /** Status and body of each read; a deleted object then shows as a change like any other. */
  async function readTenantA(): Promise<Map<string, ObjectRead>> {
    const state = new Map<string, ObjectRead>();
    for (const url of tenantAReadUrls()) {
      const response = await call(adminA, 'GET', url);
      const isJson = /json/.test(String(response.headers['content-type']));
      state.set(url, { status: response.statusCode, body: isJson ? response.json() : response.body });
    }
    return state;
  }

  /** Sends the request naming A's objects and the one naming unknown ids; returns what is wrong. */
  async function compareAnswers(
    caller: SignedInUser,
    where: string,
    foreign: Probe,
    unknown: Probe,
    isAllowed: StatusRule,
  ): Promise<string[]> {
    const foreignAnswer = await call(caller, foreign.method, foreign.url, foreign.body);
    const unknownAnswer = await call(caller, unknown.method, unknown.url, unknown.body);
    const foreignView = comparable(foreignAnswer, foreign.sentIds);
    const unknownView = comparable(unknownAnswer, unknown.sentIds);
    const isSame = isDeepStrictEqual(foreignView, unknownView);
    const failures: string[] = [];
    if (!isSame) {
      failures.push(`${where}: A's ids → ${JSON.stringify(foreignView)}; unknown ids → ${JSON.stringify(unknownView)}`);
    }
    if (!isAllowed(foreignAnswer.statusCode, isSame)) {
      failures.push(`${where}: A's ids → ${foreignAnswer.statusCode} ${foreignAnswer.body}`);
    }
    const echoed = echoedSecrets(foreignAnswer, secretsOfA, foreign.sentIds);
    if (echoed.length > 0) failures.push(`${where}: shows ${echoed.join(', ')} in ${foreignAnswer.body}`);
    return failures;
  }

  /** One method of one route: A's ids, and for nested routes A's child under the caller's own parent. */
  async function checkRoute(caller: SignedInUser, pattern: string, method: Method, isAllowed: StatusRule) {
    const routeCase = routeCases[pattern]!;
    const body = routeCase.bodies?.[method]?.(a) ?? (takesBody(method) ? json({}) : {});
    const probe = (params: Ids): Probe => ({ method, url: fillPattern(pattern, params), body, sentIds: params });
    const foreign = routeCase.foreign(a);
    const failures = await compareAnswers(
      caller,
      `${method} ${pattern}`,
      probe(foreign),
      probe(unknownIds(foreign)),
      isAllowed,
    );
    if (routeCase.ownParents) {
      const parents = routeCase.ownParents(ownObjects.get(caller.userId)!);
      failures.push(
        ...(await compareAnswers(
          caller,
          `${method} ${pattern} (A's child under the caller's own parent)`,
          probe({ ...foreign, ...parents }),
          probe({ ...unknownIds(foreign), ...parents }),
          isAllowed,
        )),
      );
    }
    return failures;
  }

  async function walkRouteTable(caller: SignedInUser, isAllowed: StatusRule): Promise<string[]> {
    const failures: string[] = [];
    for (const [pattern, methods] of parameterisedRoutes(routes)) {
      if (!routeCases[pattern]) continue;
      for (const method of methods) failures.push(...(await checkRoute(caller, pattern, method, isAllowed)));
    }
    return failures;
  }

  async function checkReferences(caller: SignedInUser): Promise<string[]> {
    const failures: string[] = [];
    const own = ownObjects.get(caller.userId)!;
    for (const [label, reference] of Object.entries(referenceCases)) {
      const probe = (ref: string): Probe => ({ ...reference.request(ref, own), sentIds: { ref } });
      failures.push(
        ...(await compareAnswers(caller, label, probe(reference.foreign(a)), probe(randomUUID()), anyStatusRule)),
      );
    }
    return failures;
  }

  it('maps every parameterised route a signed-in caller can reach, or says why it is exempt', () => {
    const table = parameterisedRoutes(routes);
    expect(table.size).toBeGreaterThan(20);
    const unmapped = [...table.keys()].filter((url) => !routeCases[url] && !exemptRoutes[url]);
    expect(unmapped).toEqual([]);
    // Entries for routes that are gone would make the table look more complete than it is.
    const stale = [...Object.keys(routeCases), ...Object.keys(exemptRoutes)].filter((url) => !table.has(url));
    expect(stale).toEqual([]);
  });

  it("answers tenant B's admin 404 for A's objects, exactly as for ids that exist nowhere", async () => {
    expect(await walkRouteTable(adminB, notFoundRule)).toEqual([]);
  });

  it("answers tenant B's member for A's objects exactly as for ids that exist nowhere", async () => {
    expect(await walkRouteTable(memberB, refusedRule)).toEqual([]);
  });

  it("answers the same for A's ids sent in a body or a query string as for unknown ids", async () => {
    expect([...(await checkReferences(adminB)), ...(await checkReferences(memberB))]).toEqual([]);
  });

  it('leaves every object of tenant A as it was before the walk', async () => {
    const after = await readTenantA();
    const changed = [...tenantABefore.keys()].filter(
      (url) => !isDeepStrictEqual(tenantABefore.get(url), after.get(url)),
    );
    const describeChange = (url: string) =>
      `${url}: ${JSON.stringify(tenantABefore.get(url))} → ${JSON.stringify(after.get(url))}`;
    expect(changed.map(describeChange)).toEqual([]);
  });
});
