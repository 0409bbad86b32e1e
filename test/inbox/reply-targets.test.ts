import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { supportTargetClocks } from '../../src/platform/db/schema/index.js';
import { eventually } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';
import { startWebhookReceiver, type WebhookReceiver } from '../webhooks/webhook-receiver.js';
import { createWebhook, fastRetries } from '../webhooks/webhook-setup.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
const minuteMs = 60_000;
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('reply-time targets: clocks, breaches, figures', () => {
  let t: TestApp;
  let admin: SignedInUser;
  let operator: SignedInUser;
  let otherAdmin: SignedInUser;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    t = await buildTestApp(fastRetries);
    const platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin, 'Shop');
    otherAdmin = await createTenantWithAdmin(t.app, platformAdmin, 'Other shop');
    operator = await createUser(t.app, admin, 'operator');
    receiver = await startWebhookReceiver();
    const webhook = await createWebhook(t.app, admin, {
      url: receiver.url,
      eventTypes: ['conversation.target_breached'],
    });
    receiver.secret = webhook.secret;
  });
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
  /** A human-only inbox: its conversations start pending, waiting for a person. */
  const newInbox = (body: object) => ok(admin, 'POST', '/v1/inboxes', { name: 'Desk', ...body }, 201);
  const newConversation = async (inboxId: string) => {
    const contact = await ok(admin, 'POST', '/v1/contacts', { name: 'Visitor' }, 201);
    return ok(admin, 'POST', '/v1/support-conversations', { inboxId, contactId: contact.id }, 201);
  };
  const breachesOf = (supportConversationId: string) =>
    receiver.received.filter(
      (delivery) =>
        delivery.payload?.type === 'conversation.target_breached' &&
        (delivery.payload.data.supportConversation as { id: string }).id === supportConversationId,
    );
  const clocksOf = (supportConversationId: string) =>
    t.database.db
      .select()
      .from(supportTargetClocks)
      .where(eq(supportTargetClocks.supportConversationId, supportConversationId));

  it('announces a breach once when two sweeps race for it (50 rounds), and the webhook arrives once each', async () => {
    const inbox = await newInbox({ replyTargets: { firstResponseMinutes: 1 } });
    const breached: string[] = [];
    for (let round = 0; round < 50; round += 1) {
      const conversation = await newConversation(inbox.id);
      expect(conversation.status).toBe('pending');
      const dueAt = new Date(conversation.targets.firstResponseDueAt as string);
      const at = new Date(dueAt.getTime() + 1);
      const [first, second] = await Promise.all([
        t.app.replyTargets.sweepBreaches(at),
        delay(round % 5).then(() => t.app.replyTargets.sweepBreaches(at)),
      ]);
      expect(first + second, `round ${round}`).toBe(1);
      breached.push(conversation.id);
    }
    await receiver.waitFor(50, 30_000);
    await delay(300);
    for (const id of breached) expect(breachesOf(id)).toHaveLength(1);
    const [delivery] = breachesOf(breached[0]!);
    expect(delivery!.isVerified).toBe(true);
    expect(delivery!.payload!.data).toMatchObject({ target: 'first_response' });
  });

  it('shows the due times and where they stand on every view: on track, or due soon within 5 minutes', async () => {
    const relaxed = await newInbox({ replyTargets: { firstResponseMinutes: 60, resolutionMinutes: 240 } });
    const before = Date.now();
    const conversation = await newConversation(relaxed.id);
    const firstDue = Date.parse(conversation.targets.firstResponseDueAt);
    expect(firstDue).toBeGreaterThanOrEqual(before + 60 * minuteMs - 1000);
    expect(firstDue).toBeLessThanOrEqual(Date.now() + 60 * minuteMs);
    expect(Date.parse(conversation.targets.resolutionDueAt) - firstDue).toBe(180 * minuteMs);
    expect(conversation.targets).toMatchObject({ nextResponseDueAt: null, state: 'on_track' });
    const read = await ok(admin, 'GET', `/v1/support-conversations/${conversation.id}`);
    expect(read.targets).toEqual(conversation.targets);
    const queue = await ok(admin, 'GET', `/v1/support-conversations?inboxId=${relaxed.id}`);
    expect(queue.items[0].targets).toEqual(conversation.targets);

    const tight = await newInbox({ replyTargets: { firstResponseMinutes: 3 } });
    const soon = await newConversation(tight.id);
    expect(soon.targets.state).toBe('due_soon');

    const none = await newInbox({});
    expect((await newConversation(none.id)).targets).toEqual({
      firstResponseDueAt: null,
      nextResponseDueAt: null,
      resolutionDueAt: null,
      state: null,
    });
  });

  it('counts only business hours when asked, and breaches on time: not a second early, then the webhook', async () => {
    // Open only tomorrow (UTC), 09:00–17:00: today is closed, so nothing counts until tomorrow 09:00.
    const tomorrow = new Date(Date.now() + 24 * 60 * minuteMs);
    const day = tomorrow.toISOString().slice(0, 10);
    const inbox = await newInbox({
      businessHours: { timeZone: 'UTC', days: [{ weekday: tomorrow.getUTCDay(), opens: '09:00', closes: '17:00' }] },
      // 10 hours of resolution: 8 tomorrow, and 2 on the same weekday a week later.
      replyTargets: { firstResponseMinutes: 30, resolutionMinutes: 600, isBusinessHoursOnly: true },
    });
    const conversation = await newConversation(inbox.id);
    const firstDue = new Date(`${day}T09:30:00.000Z`);
    expect(conversation.targets.firstResponseDueAt).toBe(firstDue.toISOString());
    const weekLater = new Date(Date.parse(`${day}T11:00:00.000Z`) + 7 * 24 * 60 * minuteMs);
    expect(conversation.targets.resolutionDueAt).toBe(weekLater.toISOString());

    await t.app.replyTargets.sweepBreaches(new Date(firstDue.getTime() - 1000));
    expect((await clocksOf(conversation.id)).every((clock) => clock.breachedAt === null)).toBe(true);
    expect(breachesOf(conversation.id)).toHaveLength(0);

    await t.app.replyTargets.sweepBreaches(new Date(firstDue.getTime() + 1000));
    const [delivery] = await eventually(async () => {
      const found = breachesOf(conversation.id);
      return found.length > 0 ? found : undefined;
    });
    expect(breachesOf(conversation.id)).toHaveLength(1);
    expect(delivery!.payload!.data).toMatchObject({
      target: 'first_response',
      dueAt: firstDue.toISOString(),
      supportConversation: { id: conversation.id, targets: { state: 'breached' } },
    });
    const clocks = await clocksOf(conversation.id);
    expect(clocks.find((clock) => clock.target === 'first_response')!.breachedAt).not.toBeNull();
    expect(clocks.find((clock) => clock.target === 'resolution')!.breachedAt).toBeNull();
    // Resolved without a reply: first response is missed (cancelled after its breach); the contact's
    // conversation no longer shows anything due.
    const resolved = await ok(admin, 'POST', `/v1/support-conversations/${conversation.id}/resolve`, {});
    expect(resolved.targets.state).toBeNull();
  });

  describe('first, next and resolution: met and missed, and the figures per team, inbox and operator', () => {
    let inboxId: string;
    let teamInboxId: string;
    let teamId: string;

    let messageCount = 0;
    /** The API channel: the contact's messages reach the conversation's log as the widget's and email's do. */
    const contactWrites = async (inbox: string, content: string) => {
      const answer = await ok(
        admin,
        'POST',
        `/v1/inboxes/${inbox}/messages`,
        { contact: { externalId: 'ann' }, content, messageId: `m-${(messageCount += 1)}` },
        201,
      );
      await t.app.replyTargets.readContactMessages();
      return answer.conversation.id as string;
    };
    const operatorReplies = (id: string, content: string) =>
      ok(operator, 'POST', `/v1/support-conversations/${id}/messages`, { content }, 201);
    const view = (id: string) => ok(admin, 'GET', `/v1/support-conversations/${id}`);

    beforeAll(async () => {
      inboxId = (
        await newInbox({
          name: 'Bridge',
          kind: 'api',
          replyTargets: { firstResponseMinutes: 60, nextResponseMinutes: 30, resolutionMinutes: 600 },
        })
      ).id;
      const team = await ok(
        admin,
        'POST',
        '/v1/teams',
        { name: 'Billing', replyTargets: { firstResponseMinutes: 5 } },
        201,
      );
      teamId = team.id;
      teamInboxId = (
        await newInbox({
          name: 'Billing bridge',
          kind: 'api',
          teamId,
          replyTargets: { firstResponseMinutes: 600 },
        })
      ).id;
    });

    it('meets first response at the first reply, starts next response at the contact’s next message, meets it, resolves', async () => {
      const id = await contactWrites(inboxId, 'Where is my parcel?');
      let current = await view(id);
      expect(current.status).toBe('pending');
      expect(current.targets.firstResponseDueAt).not.toBeNull();
      expect(current.targets.nextResponseDueAt).toBeNull();

      await operatorReplies(id, 'Let me look.');
      current = await view(id);
      expect(current.targets.firstResponseDueAt).toBeNull();
      expect(current.targets.resolutionDueAt).not.toBeNull();

      // Twice in a row: the second message finds the last word was the contact's, so one clock runs.
      await contactWrites(inboxId, 'Thanks, any news?');
      await contactWrites(inboxId, 'Hello?');
      current = await view(id);
      expect(current.targets.nextResponseDueAt).not.toBeNull();
      expect((await clocksOf(id)).filter((clock) => clock.target === 'next_response')).toHaveLength(1);

      await operatorReplies(id, 'It ships today.');
      expect((await view(id)).targets.nextResponseDueAt).toBeNull();

      // Next response again, this time missed: the sweep announces it, then a late reply meets it late.
      await contactWrites(inboxId, 'It did not arrive.');
      const due = new Date((await view(id)).targets.nextResponseDueAt as string);
      await t.app.replyTargets.sweepBreaches(new Date(due.getTime() + 1000));
      await eventually(async () => (breachesOf(id).length > 0 ? true : undefined));
      expect(breachesOf(id).map((delivery) => delivery.payload!.data.target)).toEqual(['next_response']);
      await operatorReplies(id, 'Sorry for the wait: resent.');

      const resolved = await ok(operator, 'POST', `/v1/support-conversations/${id}/resolve`, {});
      expect(resolved.targets).toMatchObject({ resolutionDueAt: null, state: null });
      const clocks = await clocksOf(id);
      const summary = clocks.map((clock) => ({
        target: clock.target,
        isMet: clock.metAt !== null && clock.metAt <= clock.dueAt,
        isLate: clock.metAt !== null && clock.metAt > clock.dueAt,
        isBreached: clock.breachedAt !== null,
        byOperator: clock.assigneeId === operator.userId,
      }));
      expect(summary).toEqual(
        expect.arrayContaining([
          { target: 'first_response', isMet: true, isLate: false, isBreached: false, byOperator: true },
          { target: 'next_response', isMet: true, isLate: false, isBreached: false, byOperator: true },
          { target: 'next_response', isMet: true, isLate: false, isBreached: true, byOperator: true },
          { target: 'resolution', isMet: true, isLate: false, isBreached: false, byOperator: true },
        ]),
      );
      expect(clocks).toHaveLength(4);
      // The missed one: its breach announced, then the reply that came after it.
      const late = clocks.find((clock) => clock.breachedAt !== null)!;
      expect(late.target).toBe('next_response');
      expect(late.metAt).not.toBeNull();
      expect(late.assigneeId).toBe(operator.userId);
    });

    it('follows the team’s targets over the inbox’s for the team’s conversations', async () => {
      const before = Date.now();
      const id = await contactWrites(teamInboxId, 'A question about my invoice');
      const current = await view(id);
      const due = Date.parse(current.targets.firstResponseDueAt);
      expect(due - before).toBeLessThanOrEqual(5 * minuteMs + 1000);
      expect(due - before).toBeGreaterThan(4 * minuteMs);
      const [clock] = await t.database.db
        .select()
        .from(supportTargetClocks)
        .where(
          and(eq(supportTargetClocks.supportConversationId, id), eq(supportTargetClocks.target, 'first_response')),
        );
      expect(clock!.teamId).toBe(teamId);
    });

    it('reports met and missed per inbox, operator and team; an operator reads their own; bad input is a 4xx', async () => {
      const byInbox = await ok(admin, 'GET', `/v1/analytics/reply-targets?groupBy=inbox&inboxId=${inboxId}`);
      expect(byInbox.groups).toHaveLength(1);
      expect(byInbox.groups[0]).toMatchObject({
        key: inboxId,
        name: 'Bridge',
        firstResponse: { met: 1, missed: 0, metRate: 1 },
        nextResponse: { met: 1, missed: 1, metRate: 0.5 },
        resolution: { met: 1, missed: 0, metRate: 1 },
      });

      const byOperator = await ok(admin, 'GET', `/v1/analytics/reply-targets?groupBy=operator&inboxId=${inboxId}`);
      expect(byOperator.groups.find((group: { key: string }) => group.key === operator.userId)).toMatchObject({
        firstResponse: { met: 1, missed: 0 },
        nextResponse: { met: 1, missed: 1 },
        resolution: { met: 1, missed: 0 },
      });

      const byTeam = await ok(admin, 'GET', '/v1/analytics/reply-targets?groupBy=team');
      const billing = byTeam.groups.find((group: { key: string }) => group.key === teamId);
      // The team's conversation still runs, not yet due: neither met nor missed.
      expect(billing).toMatchObject({ name: 'Billing', firstResponse: { met: 0, missed: 0, metRate: null } });
      const noTeam = byTeam.groups.find((group: { key: string | null }) => group.key === null);
      expect(noTeam.name).toBe('No team');
      // The race's 50 breaches, the business-hours one, and the missed next response.
      expect(noTeam.firstResponse.missed).toBeGreaterThanOrEqual(51);

      const own = await ok(operator, 'GET', '/v1/analytics/reply-targets?groupBy=operator');
      expect(own.groups.map((group: { key: string }) => group.key)).toEqual([operator.userId]);

      expect((await call(admin, 'GET', '/v1/analytics/reply-targets?groupBy=colour')).statusCode).toBe(400);
      expect((await call(admin, 'GET', '/v1/analytics/reply-targets?from=2026-13-01')).statusCode).toBe(400);
      const otherInbox = await call(otherAdmin, 'GET', `/v1/analytics/reply-targets?inboxId=${inboxId}`);
      expect(otherInbox.statusCode).toBe(404);
      expect(otherInbox.json().detail).toContain(inboxId);
      const otherTeam = await call(otherAdmin, 'GET', `/v1/analytics/reply-targets?teamId=${teamId}`);
      expect(otherTeam.statusCode).toBe(404);
    });

    it('refuses targets a person cannot mean, with a sentence', async () => {
      const zero = await call(admin, 'PATCH', `/v1/inboxes/${inboxId}`, { replyTargets: { firstResponseMinutes: 0 } });
      expect(zero.statusCode).toBe(400);
      const fraction = await call(admin, 'PATCH', `/v1/inboxes/${inboxId}`, {
        replyTargets: { nextResponseMinutes: 1.5 },
      });
      expect(fraction.statusCode).toBe(400);
      const cleared = await ok(admin, 'PATCH', `/v1/inboxes/${inboxId}`, { replyTargets: null });
      expect(cleared.replyTargets).toBeNull();
    });
  });
});
