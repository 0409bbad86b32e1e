import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { supportConversations } from '../../src/platform/db/schema/index.js';
import { eventually } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';
import { openSocket } from '../realtime/realtime-client.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** Teams over HTTP: their members, queues and counts, round-robin within a team, and moves to a team's queue. */
describe('teams', () => {
  let t: TestApp;
  let address: string;
  let admin: SignedInUser;
  let billingOperator: SignedInUser;
  let otherOperator: SignedInUser;
  let member: SignedInUser;
  let otherAdmin: SignedInUser;

  beforeAll(async () => {
    t = await buildTestApp();
    address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin, 'Team shop');
    otherAdmin = await createTenantWithAdmin(t.app, platformAdmin, 'Other team shop');
    billingOperator = await createUser(t.app, admin, 'operator');
    otherOperator = await createUser(t.app, admin, 'operator');
    member = await createUser(t.app, admin, 'member');
  }, 120_000);
  afterAll(() => t.close(), 120_000);

  const call = (user: SignedInUser, method: Method, url: string, payload?: object) =>
    t.app.inject({ method, url, headers: user.headers, ...(payload && { payload }) });
  const created = async (user: SignedInUser, url: string, payload: object) => {
    const response = await call(user, 'POST', url, payload);
    expect(response.statusCode, response.body).toBe(201);
    return response.json();
  };
  let teamCounter = 0;
  const newTeam = (body: object = {}) => created(admin, '/v1/teams', { name: `Billing ${++teamCounter}`, ...body });
  const newConversation = async (inboxId: string) => {
    const contact = await created(admin, '/v1/contacts', { name: 'Visitor' });
    return created(admin, '/v1/support-conversations', { inboxId, contactId: contact.id });
  };
  const setMembers = (teamId: string, userIds: string[]) =>
    call(admin, 'PUT', `/v1/teams/${teamId}/members`, { userIds });

  it('lets admins create, change and delete teams, and operators read them', async () => {
    const team = await newTeam({
      description: 'Invoices and refunds',
      replyTargets: { firstResponseMinutes: 30, resolutionMinutes: 1440, isBusinessHoursOnly: true },
    });
    expect(team).toMatchObject({
      description: 'Invoices and refunds',
      replyTargets: { firstResponseMinutes: 30, resolutionMinutes: 1440, isBusinessHoursOnly: true },
      members: [],
    });
    expect((await call(billingOperator, 'GET', `/v1/teams/${team.id}`)).json().name).toBe(team.name);
    expect(
      (await call(billingOperator, 'GET', '/v1/teams')).json().items.map((item: { id: string }) => item.id),
    ).toContain(team.id);
    expect((await call(billingOperator, 'POST', '/v1/teams', { name: 'Rogue' })).statusCode).toBe(403);
    expect((await call(member, 'GET', '/v1/teams')).statusCode).toBe(403);

    const duplicate = await call(admin, 'POST', '/v1/teams', { name: team.name.toUpperCase() });
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.json().detail).toContain('exists already');
    const badTarget = await call(admin, 'POST', '/v1/teams', {
      name: 'Fast',
      replyTargets: { firstResponseMinutes: 0 },
    });
    expect(badTarget.statusCode).toBe(400);
    expect(badTarget.body).toContain('firstResponseMinutes');

    const changed = await call(admin, 'PATCH', `/v1/teams/${team.id}`, {
      name: `${team.name} EU`,
      replyTargets: null,
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ name: `${team.name} EU`, replyTargets: null });
    expect((await call(admin, 'PATCH', `/v1/teams/${team.id}`, {})).statusCode).toBe(400);

    expect((await call(admin, 'DELETE', `/v1/teams/${team.id}`)).statusCode).toBe(204);
    const gone = await call(admin, 'GET', `/v1/teams/${team.id}`);
    expect(gone.statusCode).toBe(404);
    expect(gone.json().detail).toContain(`Team '${team.id}'`);
  });

  it('takes operators and administrators of the tenant as members, and refuses anyone else clearly', async () => {
    const team = await newTeam();
    const set = await setMembers(team.id, [billingOperator.userId, admin.userId, billingOperator.userId]);
    expect(set.statusCode, set.body).toBe(200);
    expect(
      set
        .json()
        .members.map((entry: { userId: string }) => entry.userId)
        .sort(),
    ).toEqual([billingOperator.userId, admin.userId].sort());
    const memberRefused = await setMembers(team.id, [member.userId]);
    expect(memberRefused.statusCode).toBe(422);
    expect(memberRefused.json().detail).toContain('only operators and administrators');
    const foreign = await setMembers(team.id, [otherAdmin.userId]);
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().detail).toContain(`User '${otherAdmin.userId}'`);
    expect((await call(billingOperator, 'PUT', `/v1/teams/${team.id}/members`, { userIds: [] })).statusCode).toBe(403);
    // Refusals changed nothing; an empty list empties the team.
    expect((await call(admin, 'GET', `/v1/teams/${team.id}`)).json().members).toHaveLength(2);
    expect((await setMembers(team.id, [])).json().members).toEqual([]);
    const otherTenants = await call(otherAdmin, 'PUT', `/v1/teams/${team.id}/members`, { userIds: [] });
    expect(otherTenants.statusCode).toBe(404);
  });

  it("gives a new conversation its inbox's team, and filters and counts the queue by team", async () => {
    const billing = await newTeam();
    const sales = await newTeam();
    expect((await setMembers(billing.id, [billingOperator.userId])).statusCode).toBe(200);
    const foreignTeam = await created(otherAdmin, '/v1/teams', { name: 'Elsewhere' });
    const refused = await call(admin, 'POST', '/v1/inboxes', { name: 'Borrowed', teamId: foreignTeam.id });
    expect(refused.statusCode).toBe(404);
    expect(refused.json().detail).toContain(`Team '${foreignTeam.id}'`);

    const billingInbox = await created(admin, '/v1/inboxes', {
      name: 'Billing desk',
      teamId: billing.id,
      replyTargets: { firstResponseMinutes: 4, isBusinessHoursOnly: false },
    });
    expect(billingInbox).toMatchObject({
      teamId: billing.id,
      replyTargets: { firstResponseMinutes: 4, isBusinessHoursOnly: false },
    });
    const salesInbox = await created(admin, '/v1/inboxes', { name: 'Sales desk' });
    const moved = await call(admin, 'PATCH', `/v1/inboxes/${salesInbox.id}`, { teamId: sales.id });
    expect(moved.json().teamId).toBe(sales.id);

    const billingConversation = await newConversation(billingInbox.id);
    const salesConversation = await newConversation(salesInbox.id);
    expect(billingConversation.teamId).toBe(billing.id);
    expect(salesConversation.teamId).toBe(sales.id);

    const idsOf = async (user: SignedInUser, query: string) =>
      (await call(user, 'GET', `/v1/support-conversations?${query}`))
        .json()
        .items.map((item: { id: string }) => item.id);
    expect(await idsOf(admin, `teamId=${billing.id}`)).toEqual([billingConversation.id]);
    expect(await idsOf(admin, `teamId=${sales.id}&view=all`)).toEqual([salesConversation.id]);
    expect(await idsOf(billingOperator, 'teamId=mine')).toEqual([billingConversation.id]);
    expect(await idsOf(otherOperator, 'teamId=mine')).toEqual([]);
    // A team is a queue, not a permission: the other operator still opens Billing's conversation.
    expect((await call(otherOperator, 'GET', `/v1/support-conversations/${billingConversation.id}`)).statusCode).toBe(
      200,
    );
    expect((await call(admin, 'GET', '/v1/support-conversations?teamId=billing')).statusCode).toBe(400);

    const tabs = await call(billingOperator, 'GET', `/v1/support-conversations/counts?teamId=mine`);
    expect(tabs.json()).toEqual({ mine: 0, unassigned: 1, all: 1 });
    const salesTabs = await call(admin, 'GET', `/v1/support-conversations/counts?teamId=${sales.id}&status=pending`);
    expect(salesTabs.json()).toEqual({ mine: 0, unassigned: 1, all: 1 });
    const counts = (await call(billingOperator, 'GET', '/v1/teams/counts')).json().items;
    expect(counts).toContainEqual({ teamId: billing.id, name: billing.name, count: 1, isMine: true });
    expect(counts).toContainEqual({ teamId: sales.id, name: sales.name, count: 1, isMine: false });
    const resolvedCounts = (await call(admin, 'GET', '/v1/teams/counts?status=resolved')).json().items;
    expect(resolvedCounts.find((item: { teamId: string }) => item.teamId === billing.id).count).toBe(0);
  });

  it("moves a conversation to a team's queue: no assignee, waiting there, recorded", async () => {
    const team = await newTeam();
    const inbox = await created(admin, '/v1/inboxes', { name: 'General' });
    const conversation = await newConversation(inbox.id);
    expect(
      (await call(billingOperator, 'POST', `/v1/support-conversations/${conversation.id}/take`, {})).statusCode,
    ).toBe(200);
    const moved = await call(billingOperator, 'POST', `/v1/support-conversations/${conversation.id}/transfer-team`, {
      teamId: team.id,
      reason: 'an invoice question',
    });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json()).toMatchObject({ status: 'pending', assigneeId: null, teamId: team.id });
    const events = (await call(admin, 'GET', `/v1/support-conversations/${conversation.id}/events`)).json().items;
    expect(events.at(-1)).toMatchObject({
      action: 'transfer_team',
      from: 'open',
      to: 'pending',
      reason: 'an invoice question',
    });

    const again = await call(admin, 'POST', `/v1/support-conversations/${conversation.id}/transfer-team`, {
      teamId: team.id,
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().detail).toContain('already waits in the queue of team');
    const unknown = await call(admin, 'POST', `/v1/support-conversations/${conversation.id}/transfer-team`, {
      teamId: '00000000-0000-4000-8000-000000000000',
    });
    expect(unknown.statusCode).toBe(404);
    await call(admin, 'POST', `/v1/support-conversations/${conversation.id}/resolve`, {});
    const resolved = await call(admin, 'POST', `/v1/support-conversations/${conversation.id}/transfer-team`, {
      teamId: team.id,
    });
    expect(resolved.statusCode).toBe(409);
    expect(resolved.json().detail).toContain('reopen it first');
  });

  it('lets one of two operators moving a conversation to a team a few ms apart win; the other hears 409', async () => {
    const team = await newTeam();
    const inbox = await created(admin, '/v1/inboxes', { name: 'Race desk' });
    const path = (id: string) => `/v1/support-conversations/${id}/transfer-team`;
    for (let round = 0; round < 50; round += 1) {
      const conversation = await newConversation(inbox.id);
      await call(billingOperator, 'POST', `/v1/support-conversations/${conversation.id}/take`, {});
      const gapMs = round % 5;
      const [first, second] = await Promise.all([
        call(billingOperator, 'POST', path(conversation.id), { teamId: team.id }),
        new Promise((resolve) => setTimeout(resolve, gapMs)).then(() =>
          call(otherOperator, 'POST', path(conversation.id), { teamId: team.id }),
        ),
      ]);
      expect([first.statusCode, second.statusCode].sort(), `round ${round}`).toEqual([200, 409]);
      const [row] = await t.database.db
        .select()
        .from(supportConversations)
        .where(eq(supportConversations.id, conversation.id));
      expect(row).toMatchObject({ status: 'pending', assigneeId: null, teamId: team.id });
    }
  }, 120_000);

  it("gives a team's waiting conversations to online members of the team only", async () => {
    const team = await newTeam();
    expect((await setMembers(team.id, [billingOperator.userId])).statusCode).toBe(200);
    const inbox = await created(admin, '/v1/inboxes', {
      name: 'Round-robin billing',
      teamId: team.id,
      assignment: { roundRobin: true, operatorCapacity: 2 },
    });
    const generalInbox = await created(admin, '/v1/inboxes', {
      name: 'Round-robin general',
      assignment: { roundRobin: true, operatorCapacity: 5 },
    });
    const sockets = [
      await openSocket(address, { headers: billingOperator.headers }),
      await openSocket(address, { headers: otherOperator.headers }),
    ];
    try {
      for (const user of [billingOperator, otherOperator]) {
        await eventually(async () => {
          const items = (await call(admin, 'GET', '/v1/operators')).json().items as { id: string; presence: string }[];
          return items.find((item) => item.id === user.userId)?.presence === 'online' ? true : undefined;
        });
      }
      for (let index = 0; index < 3; index += 1) await newConversation(inbox.id);
      const open = await eventually(async () => {
        const rows = await t.database.db
          .select()
          .from(supportConversations)
          .where(and(eq(supportConversations.inboxId, inbox.id), eq(supportConversations.status, 'open')));
        return rows.length >= 2 ? rows : undefined;
      }, 30_000);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const all = await t.database.db
        .select()
        .from(supportConversations)
        .where(eq(supportConversations.inboxId, inbox.id));
      // The member's capacity is 2; the third waits rather than going to the operator outside the team.
      expect(open.every((row) => row.assigneeId === billingOperator.userId)).toBe(true);
      expect(all.filter((row) => row.assigneeId === otherOperator.userId)).toEqual([]);
      expect(all.filter((row) => row.status === 'pending' && row.assigneeId === null)).toHaveLength(1);

      // Moved to the team from a queue without one, a conversation is given to the team's member.
      const general = await newConversation(generalInbox.id);
      const rowOf = async (id: string) =>
        (await t.database.db.select().from(supportConversations).where(eq(supportConversations.id, id)))[0];
      // The operator outside the team has fewer open conversations, so round-robin gives it to them first.
      const first = await eventually(async () => {
        const row = await rowOf(general.id);
        return row?.status === 'open' ? row : undefined;
      }, 30_000);
      expect(first.assigneeId).toBe(otherOperator.userId);
      const moved = await call(otherOperator, 'POST', `/v1/support-conversations/${general.id}/transfer-team`, {
        teamId: team.id,
      });
      expect(moved.statusCode, moved.body).toBe(200);
      const reassigned = await eventually(async () => {
        const row = await rowOf(general.id);
        return row?.status === 'open' ? row : undefined;
      }, 30_000);
      expect(reassigned).toMatchObject({ assigneeId: billingOperator.userId, teamId: team.id });
    } finally {
      for (const socket of sockets) await socket.close();
    }
  }, 120_000);
});
