import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { supportConversations } from '../../src/platform/db/schema/index.js';
import { decryptSecret } from '../../src/platform/secrets.js';
import { createAgent } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

describe('the support desk: inboxes, contacts, support conversations', () => {
  let t: TestApp;
  let admin: SignedInUser;
  let operator: SignedInUser;
  let member: SignedInUser;
  let otherAdmin: SignedInUser;
  let agentId: string;

  beforeAll(async () => {
    t = await buildTestApp();
    const platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin, 'Shop');
    otherAdmin = await createTenantWithAdmin(t.app, platformAdmin, 'Other shop');
    operator = await createUser(t.app, admin, 'operator');
    member = await createUser(t.app, admin, 'member');
    agentId = (await createAgent(t.app, admin, { name: 'Front desk' })).id;
  });
  afterAll(() => t.close());

  const call = (user: SignedInUser, method: Method, url: string, payload?: object) =>
    t.app.inject({ method, url, headers: user.headers, ...(payload && { payload }) });
  const created = async (user: SignedInUser, url: string, payload: object) => {
    const response = await call(user, 'POST', url, payload);
    expect(response.statusCode, response.body).toBe(201);
    return response.json();
  };
  const newInbox = (user = admin, body: object = {}) => created(user, '/v1/inboxes', { name: 'Website', ...body });
  const newContact = (user = admin, body: object = {}) => created(user, '/v1/contacts', body);
  const newConversation = async (inboxId: string, user = admin) => {
    const contact = await newContact(user, { name: 'Visitor' });
    return created(user, '/v1/support-conversations', { inboxId, contactId: contact.id });
  };
  const act = (user: SignedInUser, id: string, action: string, payload: object = {}) =>
    call(user, 'POST', `/v1/support-conversations/${id}/${action}`, payload);

  describe('inboxes', () => {
    it('shows the signing secret once, stores it sealed, and never returns it afterwards', async () => {
      const inbox = await newInbox(admin, { agentId, allowedOrigins: ['https://shop.example'] });
      expect(inbox.signingSecret).toMatch(/^pis_[A-Za-z0-9_-]{43}$/);
      const [stored] = await t.database.db.query.inboxes.findMany({ where: (row) => eq(row.id, inbox.id) });
      expect(stored!.encryptedSigningSecret).not.toContain(inbox.signingSecret);
      expect(decryptSecret(t.keys.credentialsKey, stored!.encryptedSigningSecret)).toBe(inbox.signingSecret);
      for (const response of [
        await call(admin, 'GET', `/v1/inboxes/${inbox.id}`),
        await call(admin, 'GET', '/v1/inboxes'),
        await call(admin, 'PATCH', `/v1/inboxes/${inbox.id}`, { name: 'Renamed' }),
      ]) {
        expect(response.statusCode).toBe(200);
        expect(response.body).not.toContain(inbox.signingSecret);
        expect(response.body).not.toContain('signingSecret"');
      }
    });

    it('rotates the signing secret: a new one, shown once, and the old one is gone', async () => {
      const inbox = await newInbox();
      const rotated = await call(admin, 'POST', `/v1/inboxes/${inbox.id}/signing-secret`);
      expect(rotated.statusCode).toBe(200);
      expect(rotated.json().signingSecret).not.toBe(inbox.signingSecret);
      expect(Date.parse(rotated.json().signingSecretRotatedAt)).toBeGreaterThanOrEqual(
        Date.parse(inbox.signingSecretRotatedAt),
      );
      const [stored] = await t.database.db.query.inboxes.findMany({ where: (row) => eq(row.id, inbox.id) });
      expect(decryptSecret(t.keys.credentialsKey, stored!.encryptedSigningSecret)).toBe(rotated.json().signingSecret);
    });

    it('defaults the handoff keywords to English and Chinese phrases, and keeps the settings given', async () => {
      const inbox = await newInbox(admin, {
        widget: { color: '#112233', greeting: 'Hi!' },
        businessHours: { timeZone: 'Asia/Shanghai', days: [{ weekday: 1, opens: '09:00', closes: '18:00' }] },
        csatEnabled: true,
      });
      expect(inbox.handoff).toEqual({
        keywords: expect.arrayContaining(['human', 'agent', '人工', '转人工', '客服']),
        onAiFailure: 'handover',
        noAnswerReply: '',
      });
      expect(inbox.widget).toEqual({ title: 'Website', color: '#112233', greeting: 'Hi!', texts: {} });
      expect(inbox.businessHours.timeZone).toBe('Asia/Shanghai');
      expect(inbox.csatEnabled).toBe(true);
      const changed = await call(admin, 'PATCH', `/v1/inboxes/${inbox.id}`, {
        handoff: { keywords: ['operator'], onAiFailure: 'stay', noAnswerReply: '  I cannot answer that.  ' },
      });
      expect(changed.json().handoff).toEqual({
        keywords: ['operator'],
        onAiFailure: 'stay',
        noAnswerReply: 'I cannot answer that.',
      });
    });

    it('refuses bad settings with a sentence naming the field', async () => {
      const cases = [
        [{ allowedOrigins: ['https://shop.example/path'] }, 'origin'],
        [{ businessHours: { timeZone: 'Mars/Olympus', days: [] } }, 'IANA time zone'],
        [
          { businessHours: { timeZone: 'UTC', days: [{ weekday: 1, opens: '18:00', closes: '09:00' }] } },
          'close after',
        ],
        [{ widget: { color: 'red' } }, 'colour'],
        [{ handoff: { onAiFailure: 'panic' } }, 'onAiFailure'],
      ] as const;
      for (const [body, words] of cases) {
        const response = await call(admin, 'POST', '/v1/inboxes', { name: 'Bad', ...body });
        expect(response.statusCode, JSON.stringify(body)).toBe(400);
        expect(response.body).toContain(words);
      }
    });

    it("refuses another tenant's agent (404) and a private agent (422)", async () => {
      const foreignAgent = await createAgent(t.app, otherAdmin, { name: 'Theirs' });
      const foreign = await call(admin, 'POST', '/v1/inboxes', { name: 'X', agentId: foreignAgent.id });
      expect(foreign.statusCode).toBe(404);
      const privateAgent = await createAgent(t.app, operator, { name: 'Mine' });
      const refused = await call(admin, 'POST', '/v1/inboxes', { name: 'X', agentId: privateAgent.id });
      expect(refused.statusCode).toBe(422);
      expect(refused.json().detail).toContain('share it with the tenant');
    });

    it('lets operators read inboxes but only admins change them; members get 403', async () => {
      const inbox = await newInbox();
      expect((await call(operator, 'GET', `/v1/inboxes/${inbox.id}`)).statusCode).toBe(200);
      expect((await call(operator, 'POST', '/v1/inboxes', { name: 'Nope' })).statusCode).toBe(403);
      expect((await call(operator, 'POST', `/v1/inboxes/${inbox.id}/signing-secret`)).statusCode).toBe(403);
      expect((await call(member, 'GET', '/v1/inboxes')).statusCode).toBe(403);
      expect((await call(member, 'GET', '/v1/contacts')).statusCode).toBe(403);
      expect((await call(member, 'GET', '/v1/support-conversations')).statusCode).toBe(403);
    });
  });

  describe('contacts', () => {
    it('finds contacts by the start of their name, email, phone or external id, only in the tenant', async () => {
      const marker = `zq${Date.now().toString(36)}`;
      const byName = await newContact(admin, { name: `${marker} Müller` });
      const byEmail = await newContact(admin, { email: `${marker}@shop.example` });
      const byPhone = await newContact(admin, { phone: '+49 555 0101' });
      const byExternal = await newContact(admin, { externalId: `${marker}-ext-1`, attributes: { plan: 'pro' } });
      await newContact(otherAdmin, { name: `${marker} elsewhere` });
      const search = async (q: string) => {
        const response = await call(operator, 'GET', `/v1/contacts?q=${encodeURIComponent(q)}`);
        expect(response.statusCode).toBe(200);
        return (response.json().items as { id: string }[]).map((item) => item.id).sort();
      };
      expect(await search(marker)).toEqual([byName.id, byEmail.id, byExternal.id].sort());
      // Names and emails match in any case; phone numbers and external ids as written.
      expect(await search(marker.toUpperCase())).toEqual([byName.id, byEmail.id].sort());
      expect(await search('+49 555')).toEqual([byPhone.id]);
      expect(await search(`${marker}-ext`)).toEqual([byExternal.id]);
      // LIKE's own wildcards match only themselves.
      expect(await search('%')).toEqual([]);
    });

    it('pages a search newest first, each contact once even when two of its fields match', async () => {
      const marker = `zp${Date.now().toString(36)}`;
      const created = [];
      for (let index = 0; index < 5; index += 1) {
        const both = index === 2 ? { email: `${marker}.${index}@shop.example` } : {};
        created.push(await newContact(admin, { name: `${marker} ${index}`, ...both }));
      }
      created.push(await newContact(admin, { externalId: `${marker}-x` }));
      const seen: string[] = [];
      let cursor: string | null | undefined;
      for (let pages = 0; pages < 5; pages += 1) {
        const query = `q=${marker}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
        const body = (await call(operator, 'GET', `/v1/contacts?${query}`)).json();
        seen.push(...(body.items as { id: string }[]).map((item) => item.id));
        cursor = body.nextCursor;
        if (!cursor) break;
      }
      expect(seen).toEqual(created.map((contact) => contact.id).reverse());
    });

    it('keeps external ids unique per tenant (409) but not across tenants', async () => {
      const externalId = `user-${Date.now()}`;
      await newContact(admin, { externalId });
      const again = await call(admin, 'POST', '/v1/contacts', { externalId });
      expect(again.statusCode).toBe(409);
      expect(again.json().detail).toContain(externalId);
      expect((await call(otherAdmin, 'POST', '/v1/contacts', { externalId })).statusCode).toBe(201);
    });

    it('bounds custom attributes and checks email and phone, with sentences', async () => {
      const many = Object.fromEntries(Array.from({ length: 51 }, (_, index) => [`k${index}`, index]));
      const cases = [
        [{ attributes: many }, 'at most 50 attributes'],
        [{ attributes: { nested: { deep: true } } }, 'string (up to 1000 characters), number, boolean or null'],
        [{ email: 'not-an-email' }, 'email address'],
        [{ phone: 'call me' }, 'phone number'],
      ] as const;
      for (const [body, words] of cases) {
        const response = await call(operator, 'POST', '/v1/contacts', body);
        expect(response.statusCode, JSON.stringify(body)).toBe(400);
        expect(response.body).toContain(words);
      }
    });

    it("edits a contact and lists its conversations; another tenant's contact is 404", async () => {
      const inbox = await newInbox();
      const contact = await newContact(operator, { name: 'Ann' });
      const conversation = await created(operator, '/v1/support-conversations', {
        inboxId: inbox.id,
        contactId: contact.id,
      });
      const edited = await call(operator, 'PATCH', `/v1/contacts/${contact.id}`, { email: 'ann@shop.example' });
      expect(edited.json()).toMatchObject({ name: 'Ann', email: 'ann@shop.example' });
      const listed = await call(operator, 'GET', `/v1/contacts/${contact.id}/conversations`);
      expect(listed.json().items.map((item: { id: string }) => item.id)).toEqual([conversation.id]);
      for (const [method, url] of [
        ['GET', `/v1/contacts/${contact.id}`],
        ['PATCH', `/v1/contacts/${contact.id}`],
        ['GET', `/v1/contacts/${contact.id}/conversations`],
      ] as const) {
        const response = await call(otherAdmin, method, url, method === 'PATCH' ? { name: 'x' } : undefined);
        expect(response.statusCode).toBe(404);
      }
    });
  });

  describe('support conversations', () => {
    it('starts with the AI when the inbox has one, else waits for a person, and records it', async () => {
      const withAgent = await newInbox(admin, { agentId });
      const humanOnly = await newInbox();
      expect((await newConversation(withAgent.id)).status).toBe('bot');
      const waiting = await newConversation(humanOnly.id);
      expect(waiting.status).toBe('pending');
      const events = await call(operator, 'GET', `/v1/support-conversations/${waiting.id}/events`);
      expect(events.json().items).toEqual([
        expect.objectContaining({ action: 'create', from: null, to: 'pending', actorId: admin.userId }),
      ]);
    });

    it('runs take, snooze, transfer, resolve and reopen, storing each change as an event', async () => {
      const inbox = await newInbox();
      const conversation = await newConversation(inbox.id);
      const second = await createUser(t.app, admin, 'operator');
      const taken = await act(operator, conversation.id, 'take');
      expect(taken.json()).toMatchObject({ status: 'open', assigneeId: operator.userId });
      const until = new Date(Date.now() + 3_600_000).toISOString();
      const snoozed = await act(operator, conversation.id, 'snooze', { until, reason: 'waiting for the courier' });
      expect(snoozed.json()).toMatchObject({ status: 'snoozed', snoozedUntil: until });
      const transferred = await act(operator, conversation.id, 'transfer', { operatorId: second.userId });
      expect(transferred.json()).toMatchObject({ status: 'open', assigneeId: second.userId, snoozedUntil: null });
      expect((await act(second, conversation.id, 'resolve')).json().status).toBe('resolved');
      const reopened = await act(admin, conversation.id, 'reopen', { reason: 'customer wrote again' });
      expect(reopened.json()).toMatchObject({ status: 'open', assigneeId: second.userId });
      const events = (await call(operator, 'GET', `/v1/support-conversations/${conversation.id}/events`)).json().items;
      expect(
        events.map((event: { action: string; from: string; to: string }) => [event.action, event.from, event.to]),
      ).toEqual([
        ['create', null, 'pending'],
        ['take', 'pending', 'open'],
        ['snooze', 'open', 'snoozed'],
        ['transfer', 'snoozed', 'open'],
        ['resolve', 'open', 'resolved'],
        ['reopen', 'resolved', 'open'],
      ]);
      expect(events[2]).toMatchObject({ actorId: operator.userId, reason: 'waiting for the courier' });
    });

    it('refuses a change the state machine does not allow with 409 and the reason, storing no event', async () => {
      const inbox = await newInbox();
      const conversation = await newConversation(inbox.id);
      for (const [action, body, words] of [
        ['transfer', { operatorId: operator.userId }, 'assign it instead'],
        ['snooze', { until: new Date(Date.now() + 60_000).toISOString() }, 'take it first'],
        ['reopen', {}, 'only a resolved or snoozed'],
      ] as const) {
        const refused = await act(operator, conversation.id, action, body);
        expect(refused.statusCode, action).toBe(409);
        expect(refused.json().detail).toContain(words);
      }
      expect((await act(operator, conversation.id, 'resolve')).statusCode).toBe(200);
      expect((await act(operator, conversation.id, 'resolve')).json().detail).toContain('already resolved');
      const events = (await call(operator, 'GET', `/v1/support-conversations/${conversation.id}/events`)).json().items;
      expect(events).toHaveLength(2);
    });

    it('of several operators taking one conversation at once, exactly one wins and the others get 409', async () => {
      const inbox = await newInbox();
      const operators = [
        operator,
        ...(await Promise.all([1, 2, 3, 4].map(() => createUser(t.app, admin, 'operator')))),
      ];
      for (let round = 0; round < 3; round += 1) {
        const conversation = await newConversation(inbox.id);
        const answers = await Promise.all(operators.map((user) => act(user, conversation.id, 'take')));
        const codes = answers.map((answer) => answer.statusCode).sort();
        expect(codes).toEqual([200, 409, 409, 409, 409]);
        const winner = operators[answers.findIndex((answer) => answer.statusCode === 200)]!;
        const current = await call(admin, 'GET', `/v1/support-conversations/${conversation.id}`);
        expect(current.json().assigneeId).toBe(winner.userId);
        const events = (await call(admin, 'GET', `/v1/support-conversations/${conversation.id}/events`)).json().items;
        expect(events.filter((event: { action: string }) => event.action === 'take')).toHaveLength(1);
      }
    });

    it('assigns only operators and admins of the tenant', async () => {
      const inbox = await newInbox();
      const conversation = await newConversation(inbox.id);
      const toMember = await act(operator, conversation.id, 'assign', { operatorId: member.userId });
      expect(toMember.statusCode).toBe(422);
      expect(toMember.json().detail).toContain('is a member');
      const toStranger = await act(operator, conversation.id, 'assign', { operatorId: otherAdmin.userId });
      expect(toStranger.statusCode).toBe(404);
      const assigned = await act(operator, conversation.id, 'assign', { operatorId: admin.userId });
      expect(assigned.json()).toMatchObject({ status: 'open', assigneeId: admin.userId });
    });

    it('refuses a snooze in the past and a malformed time with a sentence', async () => {
      const inbox = await newInbox();
      const conversation = await newConversation(inbox.id);
      await act(operator, conversation.id, 'take');
      const past = await act(operator, conversation.id, 'snooze', { until: '2000-01-01T00:00:00Z' });
      expect(past.statusCode).toBe(400);
      expect(past.body).toContain('must be in the future');
      const malformed = await act(operator, conversation.id, 'snooze', { until: 'tomorrow' });
      expect(malformed.statusCode).toBe(400);
      expect(malformed.body).toContain('date and time');
    });

    it('opens a snoozed conversation again by a job once its time has come, as the system', async () => {
      const inbox = await newInbox();
      const conversation = await newConversation(inbox.id);
      await act(operator, conversation.id, 'take');
      const snoozed = await act(operator, conversation.id, 'snooze', {
        until: new Date(Date.now() + 1500).toISOString(),
      });
      expect(snoozed.json()).toMatchObject({ status: 'snoozed' });
      // Nobody reads it: the job alone wakes it (pg-boss, polling every 2 s).
      const deadline = Date.now() + 30_000;
      let status = 'snoozed';
      while (status === 'snoozed' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        const [row] = await t.database.db
          .select({ status: supportConversations.status })
          .from(supportConversations)
          .where(eq(supportConversations.id, conversation.id));
        status = row!.status;
      }
      const woken = await call(operator, 'GET', `/v1/support-conversations/${conversation.id}`);
      expect(woken.json()).toMatchObject({ status: 'open', assigneeId: operator.userId, snoozedUntil: null });
      const events = (await call(operator, 'GET', `/v1/support-conversations/${conversation.id}/events`)).json().items;
      expect(events.filter((event: { action: string }) => event.action === 'wake')).toHaveLength(1);
      expect(events.at(-1)).toMatchObject({ action: 'wake', actorKind: 'system', from: 'snoozed', to: 'open' });
    }, 60_000);

    it('opens a snoozed conversation whose wake job was lost, by the sweep of overdue snoozes', async () => {
      const inbox = await newInbox();
      const conversation = await newConversation(inbox.id);
      await act(operator, conversation.id, 'take');
      const until = new Date(Date.now() + 1000);
      expect((await act(operator, conversation.id, 'snooze', { until: until.toISOString() })).statusCode).toBe(200);
      // As if the process had died between the snooze's commit and the job's insert.
      const { rows: lost } = await t.database.executeSql(
        `delete from pgboss.job where name = 'support.wake-snooze' and data->>'supportConversationId' = $1 returning id`,
        [conversation.id],
      );
      expect(lost).toHaveLength(1);
      await new Promise((resolve) => setTimeout(resolve, until.getTime() - Date.now() + 100));
      const statusOf = async () =>
        (await call(operator, 'GET', `/v1/support-conversations/${conversation.id}`)).json<{ status: string }>().status;
      expect(await statusOf()).toBe('snoozed');

      await t.app.wakeOverdueSnoozes();
      expect(await statusOf()).toBe('open');
      const events = (await call(operator, 'GET', `/v1/support-conversations/${conversation.id}/events`)).json().items;
      expect(events.at(-1)).toMatchObject({ action: 'wake', actorKind: 'system', from: 'snoozed', to: 'open' });
      // A second sweep finds nothing left to wake.
      await t.app.wakeOverdueSnoozes();
      const after = (await call(operator, 'GET', `/v1/support-conversations/${conversation.id}/events`)).json().items;
      expect(after.filter((event: { action: string }) => event.action === 'wake')).toHaveLength(1);
    }, 60_000);

    it('lists the queue longest waiting first, filtered by status and assignee', async () => {
      const inbox = await newInbox();
      const first = await newConversation(inbox.id);
      const second = await newConversation(inbox.id);
      const mine = await newConversation(inbox.id);
      await act(operator, mine.id, 'take');
      const pending = await call(operator, 'GET', `/v1/support-conversations?status=pending&inboxId=${inbox.id}`);
      expect(pending.json().items.map((item: { id: string }) => item.id)).toEqual([first.id, second.id]);
      const paged = await call(operator, 'GET', `/v1/support-conversations?status=pending&inboxId=${inbox.id}&limit=1`);
      const next = await call(
        operator,
        'GET',
        `/v1/support-conversations?status=pending&inboxId=${inbox.id}&limit=1&cursor=${paged.json().nextCursor}`,
      );
      expect(next.json().items.map((item: { id: string }) => item.id)).toEqual([second.id]);
      const assigned = await call(operator, 'GET', `/v1/support-conversations?assignee=me&inboxId=${inbox.id}`);
      expect(assigned.json().items.map((item: { id: string }) => item.id)).toEqual([mine.id]);
    });

    it('keeps private notes and labels on the conversation', async () => {
      const inbox = await newInbox();
      const conversation = await newConversation(inbox.id);
      await created(operator, `/v1/support-conversations/${conversation.id}/notes`, { body: 'VIP, be nice' });
      const notes = await call(admin, 'GET', `/v1/support-conversations/${conversation.id}/notes`);
      expect(notes.json().items).toEqual([
        expect.objectContaining({ body: 'VIP, be nice', authorId: operator.userId }),
      ]);
      const labelled = await call(operator, 'PUT', `/v1/support-conversations/${conversation.id}/labels`, {
        labels: ['refund', 'vip', 'refund'],
      });
      expect(labelled.json().labels).toEqual(['refund', 'vip']);
      const bad = await call(operator, 'PUT', `/v1/support-conversations/${conversation.id}/labels`, {
        labels: ['<script>'],
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.body).toContain('letters, digits');
    });

    it("answers 404 for another tenant's inbox, conversation, events, notes and labels", async () => {
      const inbox = await newInbox();
      const conversation = await newConversation(inbox.id);
      const id = conversation.id;
      const attempts: [Method, string, object?][] = [
        ['GET', `/v1/inboxes/${inbox.id}`],
        ['PATCH', `/v1/inboxes/${inbox.id}`, { name: 'Mine now' }],
        ['POST', `/v1/inboxes/${inbox.id}/signing-secret`],
        ['DELETE', `/v1/inboxes/${inbox.id}`],
        ['GET', `/v1/support-conversations/${id}`],
        ['POST', `/v1/support-conversations/${id}/take`, {}],
        ['POST', `/v1/support-conversations/${id}/resolve`, {}],
        ['GET', `/v1/support-conversations/${id}/events`],
        ['GET', `/v1/support-conversations/${id}/notes`],
        ['POST', `/v1/support-conversations/${id}/notes`, { body: 'hello' }],
        ['PUT', `/v1/support-conversations/${id}/labels`, { labels: ['x'] }],
      ];
      for (const [method, url, payload] of attempts) {
        expect((await call(otherAdmin, method, url, payload)).statusCode, `${method} ${url}`).toBe(404);
      }
      const foreignContact = await newContact(otherAdmin, { name: 'Theirs' });
      const crossed = await call(otherAdmin, 'POST', '/v1/support-conversations', {
        inboxId: inbox.id,
        contactId: foreignContact.id,
      });
      expect(crossed.statusCode).toBe(404);
      expect((await call(otherAdmin, 'GET', '/v1/support-conversations?limit=100')).json().items).toEqual([]);
    });
  });

  describe('canned responses', () => {
    it('are managed by admins, read by operators, with shortcodes unique per tenant', async () => {
      const canned = await created(admin, '/v1/canned-responses', {
        shortcode: 'refund',
        content: 'Refunds take 5 days.',
      });
      const again = await call(admin, 'POST', '/v1/canned-responses', { shortcode: 'refund', content: 'Other' });
      expect(again.statusCode).toBe(409);
      expect(again.json().detail).toContain('/refund');
      expect(
        (await call(otherAdmin, 'POST', '/v1/canned-responses', { shortcode: 'refund', content: 'x' })).statusCode,
      ).toBe(201);
      expect(
        (await call(operator, 'POST', '/v1/canned-responses', { shortcode: 'mine', content: 'x' })).statusCode,
      ).toBe(403);
      const listed = await call(operator, 'GET', '/v1/canned-responses');
      expect(listed.json().items).toEqual([expect.objectContaining({ id: canned.id, shortcode: 'refund' })]);
      const bad = await call(admin, 'POST', '/v1/canned-responses', { shortcode: '/Refund!', content: 'x' });
      expect(bad.statusCode).toBe(400);
      expect(bad.body).toContain('lowercase letters');
      expect((await call(otherAdmin, 'PATCH', `/v1/canned-responses/${canned.id}`, { content: 'x' })).statusCode).toBe(
        404,
      );
      expect((await call(otherAdmin, 'DELETE', `/v1/canned-responses/${canned.id}`)).statusCode).toBe(404);
    });
  });
});
