import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teams } from '../../src/platform/db/schema/index.js';
import { newId } from '../../src/platform/ids.js';
import { createAgent, eventually } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';
import { startWebhookReceiver, type WebhookReceiver } from '../webhooks/webhook-receiver.js';
import { createWebhook, fastRetries } from '../webhooks/webhook-setup.js';
import { createInbox, sendAsVisitor, startConversation, startVisitor } from '../widget/widget-setup.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
interface RuleRun {
  ruleName: string;
  trigger: string;
  depth: number;
  outcomes: { action: string; outcome: string; detail?: string }[];
}

describe('routing rules: when <trigger> and <conditions> then <actions>, once, in order, never looping', () => {
  let t: TestApp;
  let admin: SignedInUser;
  let operator: SignedInUser;
  let secondOperator: SignedInUser;
  let otherAdmin: SignedInUser;
  let receiver: WebhookReceiver;
  let agentId: string;
  let billingTeamId: string;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    t = await buildTestApp(fastRetries);
    const platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin, 'Shop');
    otherAdmin = await createTenantWithAdmin(t.app, platformAdmin, 'Other shop');
    operator = await createUser(t.app, admin, 'operator');
    secondOperator = await createUser(t.app, admin, 'operator');
    agentId = (await createAgent(t.app, admin, { name: 'Front desk' })).id;
    billingTeamId = newId();
    await t.database.db.insert(teams).values({ id: billingTeamId, tenantId: admin.tenantId, name: 'Billing' });
    const webhook = await createWebhook(t.app, admin, {
      url: receiver.url,
      eventTypes: ['rule.matched', 'conversation.updated'],
    });
    receiver.secret = webhook.secret;
  }, 120_000);
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  const call = (user: SignedInUser, method: Method, url: string, payload?: object) =>
    t.app.inject({ method, url, headers: user.headers, ...(payload && { payload }) });
  const ok = async (user: SignedInUser, method: Method, url: string, payload?: object, status = 200) => {
    const response = await call(user, method, url, payload);
    expect(response.statusCode, response.body).toBe(status);
    return response.json();
  };
  const newRule = (rule: object, user = admin) => ok(user, 'POST', '/v1/routing-rules', rule, 201);
  /** Every rule of the tenant off, so each test sees only its own. */
  const disableAll = async () => {
    for (const rule of (await ok(admin, 'GET', '/v1/routing-rules')).items) {
      await ok(admin, 'PATCH', `/v1/routing-rules/${rule.id}`, { isEnabled: false });
    }
  };
  const newConversation = async (inboxId: string) => {
    const contact = await ok(admin, 'POST', '/v1/contacts', { name: 'Visitor' }, 201);
    return ok(admin, 'POST', '/v1/support-conversations', { inboxId, contactId: contact.id }, 201);
  };
  const settle = async () => {
    await t.app.routingRules.readContactMessages();
    await t.app.routingRules.drain();
  };
  const runsOf = async (id: string): Promise<RuleRun[]> => {
    await settle();
    return (await ok(operator, 'GET', `/v1/support-conversations/${id}/rule-runs`)).items;
  };
  const conversation = (id: string) => ok(operator, 'GET', `/v1/support-conversations/${id}`);

  it('changes priority and team over PATCH, with an event on the conversation and 4xx for bad input', async () => {
    const inbox = await createInbox(t.app, admin, { name: 'Patch' });
    const created = await newConversation(inbox.id);
    expect(created).toMatchObject({ priority: 'none', teamId: null });
    const changed = await ok(operator, 'PATCH', `/v1/support-conversations/${created.id}`, {
      priority: 'urgent',
      teamId: billingTeamId,
    });
    expect(changed).toMatchObject({ priority: 'urgent', teamId: billingTeamId, status: created.status });
    const events = (await ok(operator, 'GET', `/v1/support-conversations/${created.id}/events`)).items;
    expect(events.map((event: { action: string }) => event.action)).toEqual(
      expect.arrayContaining(['set_priority', 'set_team']),
    );
    const bad = await call(operator, 'PATCH', `/v1/support-conversations/${created.id}`, { priority: 'asap' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('must be one of none, low, medium, high, urgent');
    const missingTeam = await call(operator, 'PATCH', `/v1/support-conversations/${created.id}`, { teamId: newId() });
    expect(missingTeam.statusCode).toBe(404);
    expect(missingTeam.body).toContain('Team');
  });

  it('refuses bad rules with a sentence: 400 for the shape, 422 for what the workspace does not have', async () => {
    const shapes = [
      [{ name: 'x', trigger: 'whenever', actions: [{ type: 'hand_to_person' }] }, 'must be one of created'],
      [{ name: 'x', trigger: 'created', actions: [] }, 'at least one action'],
      [{ name: 'x', trigger: 'created', actions: [{ type: 'explode' }] }, 'must have a type'],
      [{ name: 'x', trigger: 'created', actions: [{ type: 'snooze', minutes: 0 }] }, 'at least 1 minute'],
      [{ name: '', trigger: 'created', actions: [{ type: 'hand_to_person' }] }, 'must not be empty'],
    ] as const;
    for (const [body, words] of shapes) {
      const response = await call(admin, 'POST', '/v1/routing-rules', body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.body).toContain(words);
    }
    const foreignInbox = await createInbox(t.app, otherAdmin, { name: 'Theirs' });
    const unprocessable = [
      [
        { trigger: 'created', conditions: [{ type: 'inbox', inboxIds: [foreignInbox.id] }] },
        `inbox '${foreignInbox.id}', which this workspace does not have`,
      ],
      [
        { trigger: 'created', actions: [{ type: 'assign_team', teamId: newId() }] },
        'which this workspace does not have',
      ],
      [
        { trigger: 'created', conditions: [{ type: 'text_contains', words: ['refund'] }] },
        "needs the trigger 'contact_message'",
      ],
    ] as const;
    for (const [body, words] of unprocessable) {
      const response = await call(admin, 'POST', '/v1/routing-rules', {
        name: 'Bad',
        actions: [{ type: 'hand_to_person' }],
        ...body,
      });
      expect(response.statusCode, JSON.stringify(body)).toBe(422);
      expect(response.body).toContain(words);
    }
    const asOperator = await call(operator, 'POST', '/v1/routing-rules', {
      name: 'Mine',
      trigger: 'created',
      actions: [{ type: 'hand_to_person' }],
    });
    expect(asOperator.statusCode).toBe(403);
  });

  it('keeps rules in order: created last or at a position, reordered, another tenant’s rule is 404', async () => {
    await disableAll();
    const first = await newRule({
      name: 'First',
      trigger: 'created',
      isEnabled: false,
      actions: [{ type: 'webhook' }],
    });
    const second = await newRule({
      name: 'Second',
      trigger: 'created',
      isEnabled: false,
      actions: [{ type: 'webhook' }],
    });
    const before = await newRule({
      name: 'Before first',
      trigger: 'created',
      isEnabled: false,
      position: first.position,
      actions: [{ type: 'webhook' }],
    });
    const names = async () =>
      (await ok(admin, 'GET', '/v1/routing-rules')).items
        .map((rule: { name: string }) => rule.name)
        .filter((name: string) => ['First', 'Second', 'Before first'].includes(name));
    expect(await names()).toEqual(['Before first', 'First', 'Second']);
    const all = (await ok(admin, 'GET', '/v1/routing-rules')).items.map((rule: { id: string }) => rule.id);
    const reordered = [...all.filter((id: string) => id !== second.id && id !== before.id), second.id, before.id];
    await ok(admin, 'PUT', '/v1/routing-rules/order', { ruleIds: reordered });
    expect(await names()).toEqual(['First', 'Second', 'Before first']);
    const partial = await call(admin, 'PUT', '/v1/routing-rules/order', { ruleIds: [first.id] });
    expect(partial.statusCode).toBe(422);
    expect(partial.body).toContain('Send every one');
    expect((await call(otherAdmin, 'GET', `/v1/routing-rules/${first.id}`)).statusCode).toBe(404);
    expect((await call(otherAdmin, 'DELETE', `/v1/routing-rules/${first.id}`)).statusCode).toBe(404);
  });

  it('fires each matching rule once, in order, on creation, and records what each did', async () => {
    await disableAll();
    const inbox = await createInbox(t.app, admin, { name: 'Ordered' });
    await newRule({
      name: 'Urgent first',
      trigger: 'created',
      conditions: [{ type: 'inbox', inboxIds: [inbox.id] }],
      actions: [
        { type: 'set_priority', priority: 'urgent' },
        { type: 'add_label', label: 'triaged' },
      ],
    });
    await newRule({
      name: 'Then low',
      trigger: 'created',
      conditions: [
        { type: 'inbox', inboxIds: [inbox.id] },
        { type: 'channel', channels: ['widget'] },
      ],
      actions: [{ type: 'set_priority', priority: 'low' }],
    });
    await newRule({
      name: 'Never: email only',
      trigger: 'created',
      conditions: [{ type: 'channel', channels: ['email'] }],
      actions: [{ type: 'set_priority', priority: 'high' }],
    });
    const created = await newConversation(inbox.id);
    const runs = await runsOf(created.id);
    expect(runs.map((run) => run.ruleName)).toEqual(['Urgent first', 'Then low']);
    expect(runs[0]!.outcomes).toEqual([
      { action: 'set priority urgent', outcome: 'done' },
      { action: "add label 'triaged'", outcome: 'done' },
    ]);
    expect(await conversation(created.id)).toMatchObject({ priority: 'low', labels: ['triaged'] });
    const events = (await ok(operator, 'GET', `/v1/support-conversations/${created.id}/events`)).items;
    expect(
      events.filter((event: { reason: string | null }) => event.reason?.includes('rule: Urgent first')),
    ).toHaveLength(1);
    // The label added by the rule is a trigger of its own, but no label_added rule is enabled: nothing more.
    expect(await runsOf(created.id)).toHaveLength(2);
  });

  it('stops a chain of rules changing each other at the depth bound, and says so', async () => {
    await disableAll();
    const inbox = await createInbox(t.app, admin, { name: 'Looping', agentId });
    const onStatus = (status: string) => [
      { type: 'inbox', inboxIds: [inbox.id] },
      { type: 'status', statuses: [status] },
    ];
    await newRule({
      name: 'Open → AI',
      trigger: 'status_changed',
      conditions: onStatus('open'),
      actions: [{ type: 'hand_to_ai' }],
    });
    await newRule({
      name: 'AI → person',
      trigger: 'status_changed',
      conditions: onStatus('bot'),
      actions: [{ type: 'hand_to_person' }],
    });
    await newRule({
      name: 'Person → operator',
      trigger: 'status_changed',
      conditions: onStatus('pending'),
      actions: [{ type: 'assign_operator', operatorId: operator.userId }],
    });
    const created = await newConversation(inbox.id);
    expect(created.status).toBe('bot');
    await ok(operator, 'POST', `/v1/support-conversations/${created.id}/take`, {});
    const runs = await eventually(async () => {
      const found = await runsOf(created.id);
      return found.some((run) => run.outcomes[0]?.detail === 'stopped: depth bound') ? found : undefined;
    }, 15_000);
    expect(runs.map((run) => [run.ruleName, run.depth])).toEqual([
      ['Open → AI', 0],
      ['AI → person', 1],
      ['Person → operator', 2],
      ['Open → AI', 3],
      ['AI → person', 4],
    ]);
    expect(runs.at(-1)!.outcomes).toEqual([{ action: 'none', outcome: 'skipped', detail: 'stopped: depth bound' }]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await runsOf(created.id)).toHaveLength(5);
    expect((await conversation(created.id)).status).toBe('bot');
  });

  it("routes a contact's widget message with a keyword to a team, labels it, and answers with a canned line", async () => {
    await disableAll();
    const inbox = await createInbox(t.app, admin, { name: 'Keywords' });
    const canned = await ok(
      admin,
      'POST',
      '/v1/canned-responses',
      {
        shortcode: 'billing-ack',
        content: 'Billing has your question and will answer soon.',
      },
      201,
    );
    await newRule({
      name: 'Invoices to Billing',
      trigger: 'contact_message',
      conditions: [
        { type: 'inbox', inboxIds: [inbox.id] },
        { type: 'text_contains', words: ['invoice', 'refund'] },
      ],
      actions: [
        { type: 'assign_team', teamId: billingTeamId },
        { type: 'add_label', label: 'billing' },
        { type: 'send_canned_response', cannedResponseId: canned.id },
      ],
    });
    const visitor = await startVisitor(t.app, inbox.id);
    const started = await startConversation(t.app, visitor);
    expect((await sendAsVisitor(t.app, visitor, started.id, 'Hello there')).statusCode).toBeLessThan(300);
    expect((await sendAsVisitor(t.app, visitor, started.id, 'Where is my INVOICE?')).statusCode).toBeLessThan(300);
    const runs = await runsOf(started.id);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ ruleName: 'Invoices to Billing', trigger: 'contact_message', depth: 0 });
    expect(runs[0]!.outcomes.map((outcome) => outcome.outcome)).toEqual(['done', 'done', 'done']);
    expect(await conversation(started.id)).toMatchObject({ teamId: billingTeamId, labels: ['billing'] });
    const lines = (await ok(operator, 'GET', `/v1/support-conversations/${started.id}/messages`)).items;
    expect(lines.map((line: { content?: string }) => line.content)).toContain(
      'Billing has your question and will answer soon.',
    );
    // The log read again (another pass, another node) fires nothing twice.
    await t.app.routingRules.readContactMessages();
    expect(await runsOf(started.id)).toHaveLength(1);
  });

  it('dry-runs a rule over recent conversations, changing and recording nothing', async () => {
    await disableAll();
    const inbox = await createInbox(t.app, admin, { name: 'Dry' });
    const created = await newConversation(inbox.id);
    const before = await conversation(created.id);
    const answer = await ok(admin, 'POST', '/v1/routing-rules/dry-run', {
      rule: {
        name: 'Would escalate',
        trigger: 'created',
        conditions: [{ type: 'inbox', inboxIds: [inbox.id] }],
        actions: [
          { type: 'set_priority', priority: 'urgent' },
          { type: 'add_label', label: 'vip' },
        ],
      },
      limit: 200,
    });
    expect(answer.looked).toBeGreaterThanOrEqual(1);
    expect(answer.matches).toEqual([
      {
        supportConversationId: created.id,
        status: before.status,
        inboxId: inbox.id,
        wouldDo: ['set priority urgent', "add label 'vip'"],
      },
    ]);
    expect(await conversation(created.id)).toEqual(before);
    expect(await runsOf(created.id)).toEqual([]);
    const tooMany = await call(admin, 'POST', '/v1/routing-rules/dry-run', { ruleId: newId(), limit: 500 });
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.body).toContain('at most 200');
  });

  it('sends the rule.matched webhook event, and conversation.updated for its changes', async () => {
    await disableAll();
    const inbox = await createInbox(t.app, admin, { name: 'Hooked' });
    const rule = await newRule({
      name: 'Tell the CRM',
      trigger: 'created',
      conditions: [{ type: 'inbox', inboxIds: [inbox.id] }],
      actions: [{ type: 'set_priority', priority: 'high' }, { type: 'webhook' }],
    });
    const created = await newConversation(inbox.id);
    await settle();
    const delivery = await eventually(
      async () =>
        receiver.received.find(
          (entry) =>
            entry.payload?.type === 'rule.matched' &&
            (entry.payload.data as { supportConversation?: { id: string } }).supportConversation?.id === created.id,
        ),
      10_000,
    );
    expect(delivery.isVerified).toBe(true);
    expect(delivery.payload!.data).toMatchObject({
      rule: { id: rule.id, name: 'Tell the CRM', trigger: 'created' },
      supportConversation: { id: created.id, priority: 'high' },
    });
    const updated = await eventually(
      async () =>
        receiver.received.find(
          (entry) =>
            entry.payload?.type === 'conversation.updated' &&
            (entry.payload.data as { supportConversation?: { id: string } }).supportConversation?.id === created.id,
        ),
      10_000,
    );
    expect(updated.payload!.data).toMatchObject({ changes: { priority: { from: 'none', to: 'high' } } });
  });

  it('fires a label_added rule once when two operators add the same label a few ms apart (50 rounds)', async () => {
    await disableAll();
    const inbox = await createInbox(t.app, admin, { name: 'Racing' });
    await newRule({
      name: 'VIP first',
      trigger: 'label_added',
      conditions: [{ type: 'label', label: 'vip' }],
      actions: [{ type: 'set_priority', priority: 'urgent' }],
    });
    for (let round = 0; round < 50; round += 1) {
      const created = await newConversation(inbox.id);
      const url = `/v1/support-conversations/${created.id}/labels`;
      const [first, second] = await Promise.all([
        call(operator, 'PUT', url, { labels: ['vip'] }),
        new Promise((resolve) => setTimeout(resolve, round % 5)).then(() =>
          call(secondOperator, 'PUT', url, { labels: ['vip'] }),
        ),
      ]);
      expect([first.statusCode, second.statusCode]).toEqual([200, 200]);
      const runs = await runsOf(created.id);
      expect(
        runs.map((run) => run.ruleName),
        `round ${round}`,
      ).toEqual(['VIP first']);
    }
  }, 120_000);

  it('fires business-hours rules once at an inbox’s opening, for its unresolved conversations', async () => {
    await disableAll();
    const inbox = await createInbox(t.app, admin, { name: 'Hours' });
    const created = await newConversation(inbox.id);
    await newRule({
      name: 'Morning triage',
      trigger: 'business_hours_started',
      conditions: [{ type: 'inbox', inboxIds: [inbox.id] }],
      actions: [{ type: 'add_label', label: 'morning' }],
    });
    const alwaysClosed = { timeZone: 'UTC', days: [] };
    const alwaysOpen = {
      timeZone: 'UTC',
      days: [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, opens: '00:00', closes: '23:59' })),
    };
    await ok(admin, 'PATCH', `/v1/inboxes/${inbox.id}`, { businessHours: alwaysClosed });
    await t.app.routingRules.sweepHours();
    expect(await runsOf(created.id)).toEqual([]);
    await ok(admin, 'PATCH', `/v1/inboxes/${inbox.id}`, { businessHours: alwaysOpen });
    await Promise.all([t.app.routingRules.sweepHours(), t.app.routingRules.sweepHours()]);
    await t.app.routingRules.sweepHours();
    const runs = await runsOf(created.id);
    expect(runs.map((run) => [run.ruleName, run.trigger])).toEqual([['Morning triage', 'business_hours_started']]);
    expect((await conversation(created.id)).labels).toEqual(['morning']);
  });
});
