import { randomUUID } from 'node:crypto';
import type { OutgoingHttpHeaders } from 'node:http';
import type { HTTPMethods, RouteOptions } from 'fastify';
import { multipartBody } from '../knowledge/knowledge-setup.js';

/**
 * What the tenant-isolation walk (tenant-isolation.test.ts) asks and how it compares the answers: which
 * of tenant A's objects each parameterised route addresses, the routes exempt from it and why, the ids
 * sent in bodies and query strings, and how two answers are made comparable.
 */

export type Method = Extract<HTTPMethods, 'GET' | 'HEAD' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'>;
/** Route parameters, or any ids a request sends, by name. */
export type Ids = Record<string, string>;

/** What a request sends after the URL: a JSON body, a multipart upload, or nothing. */
export interface RequestBody {
  readonly payload?: object | Buffer;
  readonly headers?: Record<string, string>;
}

/** One request, and the ids in it that its answer may repeat and that comparisons mask. */
export interface Probe {
  readonly method: Method;
  readonly url: string;
  readonly body: RequestBody;
  readonly sentIds: Ids;
}

/** The ids of tenant A's objects. */
export interface TenantAIds {
  readonly tenantId: string;
  readonly adminId: string;
  readonly memberId: string;
  readonly apiKeyId: string;
  readonly providerId: string;
  readonly ssoConnectionId: string;
  readonly agentId: string;
  readonly projectId: string;
  readonly conversationId: string;
  readonly sourceId: string;
  readonly documentId: string;
  readonly importId: string;
  readonly fileId: string;
  readonly mcpServerId: string;
  readonly mcpToolId: string;
  /** The latest reply of its conversation, failed, so a retry would be allowed to its owner. */
  readonly failedConversationId: string;
  readonly failedReplyId: string;
  /** A reply waiting for a tool call's approval, so a decision would be allowed to its owner. */
  readonly approvalConversationId: string;
  readonly approvalReplyId: string;
  readonly toolCallId: string;
  readonly inboxId: string;
  readonly contactId: string;
  readonly supportConversationId: string;
  readonly cannedResponseId: string;
  readonly teamId: string;
  readonly routingRuleId: string;
  readonly webhookId: string;
  readonly webhookDeliveryId: string;
  readonly evaluationSetId: string;
  readonly evaluationCaseId: string;
  readonly evaluationRunId: string;
}

/** A tenant-B caller's own objects, to ask for A's objects under or through them. */
export interface OwnObjects {
  readonly sourceId: string;
  readonly agentId: string;
  readonly conversationId: string;
}

export const json = (payload: object): RequestBody => ({ payload });
export const documentUpload = (): RequestBody =>
  multipartBody(Buffer.from('# Another tenant\n\nUploaded from outside.'), { filename: 'outside.md' });

export interface RouteCase {
  /** Fills every parameter of the pattern with one of tenant A's ids. */
  readonly foreign: (a: TenantAIds) => Ids;
  /** Nested routes: the parent parameters filled with the caller's own objects instead. */
  readonly ownParents?: (own: OwnObjects) => Ids;
  /** A valid body per method, so validation passes and the lookup is what answers. */
  readonly bodies?: Partial<Record<Method, (a: TenantAIds) => RequestBody>>;
}

/** A's document, asked for under A's source and under the caller's own. */
const documentOfSource: RouteCase = {
  foreign: (a) => ({ id: a.sourceId, documentId: a.documentId }),
  ownParents: (own) => ({ id: own.sourceId }),
};

/** A's support conversation; `reason` is optional, so an empty body is valid for every plain action. */
const supportConversation = (bodies?: RouteCase['bodies']): RouteCase => ({
  foreign: (a) => ({ id: a.supportConversationId }),
  ...(bodies && { bodies }),
});
/** A user id that exists nowhere: the conversation lookup must answer before the operator's is made. */
const nobodyId = '00000000-0000-4000-8000-000000000000';

/** Every parameterised route a tenant's user can call, and which of tenant A's objects it addresses. */
export const routeCases: Record<string, RouteCase> = {
  '/v1/users/:id': {
    foreign: (a) => ({ id: a.memberId }),
    bodies: { PATCH: () => json({ displayName: 'Renamed elsewhere' }) },
  },
  '/v1/api-keys/:id': { foreign: (a) => ({ id: a.apiKeyId }) },
  '/v1/providers/:id': {
    foreign: (a) => ({ id: a.providerId }),
    bodies: { PATCH: () => json({ models: ['gpt-4o'] }) },
  },
  '/v1/sso/connections/:connectionId': {
    foreign: (a) => ({ connectionId: a.ssoConnectionId }),
    bodies: { PATCH: () => json({ ssoRequired: true }) },
  },
  '/v1/sso/connections/:connectionId/test': { foreign: (a) => ({ connectionId: a.ssoConnectionId }) },
  // An agent as an OpenAI model (by id; its name works too, and is another tenant's no more).
  '/v1/models/:model': { foreign: (a) => ({ model: a.agentId }) },
  '/v1/agents/:id': {
    foreign: (a) => ({ id: a.agentId }),
    bodies: { PATCH: () => json({ name: 'Renamed elsewhere' }) },
  },
  // A's agent's versions and draft: the agent is refused as missing before any version is looked for.
  '/v1/agents/:id/versions': { foreign: (a) => ({ id: a.agentId }) },
  '/v1/agents/:id/versions/:number': { foreign: (a) => ({ id: a.agentId, number: '1' }) },
  '/v1/agents/:id/versions/:number/diff': { foreign: (a) => ({ id: a.agentId, number: '1' }) },
  '/v1/agents/:id/versions/:number/publish': { foreign: (a) => ({ id: a.agentId, number: '1' }) },
  '/v1/agents/:id/draft': {
    foreign: (a) => ({ id: a.agentId }),
    bodies: { PUT: () => json({ instructions: 'Drafted elsewhere' }) },
  },
  '/v1/agents/:id/evaluation-gate': {
    foreign: (a) => ({ id: a.agentId }),
    bodies: { PUT: () => json({ setId: null }) },
  },
  '/v1/evaluation-sets/:id': {
    foreign: (a) => ({ id: a.evaluationSetId }),
    bodies: { PATCH: () => json({ name: 'Renamed elsewhere' }) },
  },
  '/v1/evaluation-sets/:id/cases': {
    foreign: (a) => ({ id: a.evaluationSetId }),
    bodies: { POST: () => json({ question: 'Asked from elsewhere?' }) },
  },
  '/v1/evaluation-sets/:id/cases/from-conversation': {
    foreign: (a) => ({ id: a.evaluationSetId }),
    bodies: { POST: (a) => json({ conversationId: a.conversationId }) },
  },
  '/v1/evaluation-sets/:id/cases/:caseId': {
    foreign: (a) => ({ id: a.evaluationSetId, caseId: a.evaluationCaseId }),
    bodies: { PUT: () => json({ question: 'Changed from elsewhere?' }) },
  },
  '/v1/evaluation-sets/:id/imports': {
    foreign: (a) => ({ id: a.evaluationSetId }),
    bodies: { POST: () => json({ format: 'jsonl', content: '{"question":"Imported from elsewhere?"}' }) },
  },
  '/v1/evaluation-runs/:id': { foreign: (a) => ({ id: a.evaluationRunId }) },
  '/v1/evaluation-runs/:id/cases': { foreign: (a) => ({ id: a.evaluationRunId }) },
  '/v1/evaluation-runs/:id/stop': { foreign: (a) => ({ id: a.evaluationRunId }) },
  // Memories are the caller's own: A's agent is refused before any memory is looked for.
  '/v1/agents/:id/memories': { foreign: (a) => ({ id: a.agentId }) },
  // The caller's own choice about A's agent: the agent is refused as missing.
  '/v1/agents/:id/proactive': {
    foreign: (a) => ({ id: a.agentId }),
    bodies: { PUT: () => json({ enabled: false }) },
  },
  '/v1/agents/:id/memories/:memoryId': {
    foreign: (a) => ({ id: a.agentId, memoryId: a.projectId }),
    bodies: { PATCH: () => json({ content: 'Remembered elsewhere' }) },
  },
  '/v1/projects/:id': {
    foreign: (a) => ({ id: a.projectId }),
    bodies: { PATCH: () => json({ name: 'Renamed elsewhere' }) },
  },
  '/v1/conversations/:id': {
    foreign: (a) => ({ id: a.conversationId }),
    bodies: { PATCH: () => json({ title: 'Renamed elsewhere' }) },
  },
  '/v1/conversations/:id/messages': {
    foreign: (a) => ({ id: a.conversationId }),
    bodies: { POST: () => json({ content: 'Hello from another tenant' }) },
  },
  // Marking read names one of A's messages in A's conversation: refused as a missing conversation.
  '/v1/conversations/:id/read': {
    foreign: (a) => ({ id: a.failedConversationId }),
    bodies: { POST: (a) => json({ upToMessageId: a.failedReplyId }) },
  },
  '/v1/conversations/:id/summaries': { foreign: (a) => ({ id: a.conversationId }) },
  '/v1/conversations/:id/proactive': {
    foreign: (a) => ({ id: a.conversationId }),
    bodies: { PUT: () => json({ enabled: false }) },
  },
  // A's conversation is refused before any suggestion is looked for; under the caller's own, A's id is unknown.
  '/v1/conversations/:id/personality-suggestions': { foreign: (a) => ({ id: a.conversationId }) },
  '/v1/conversations/:id/personality-suggestions/:suggestionId/apply': {
    foreign: (a) => ({ id: a.conversationId, suggestionId: a.projectId }),
    ownParents: (own) => ({ id: own.conversationId }),
    bodies: { POST: () => json({ target: 'conversation' }) },
  },
  '/v1/conversations/:id/personality-suggestions/:suggestionId/dismiss': {
    foreign: (a) => ({ id: a.conversationId, suggestionId: a.projectId }),
    ownParents: (own) => ({ id: own.conversationId }),
  },
  // A tenant's settings: its own admins (and platform admins) only.
  '/v1/tenants/:id/settings': {
    foreign: (a) => ({ id: a.tenantId }),
    bodies: { PATCH: () => json({ utilityModel: 'offline' }) },
  },
  // A tenant's mail domains: its own admins read them, platform admins set them.
  '/v1/tenants/:id/email-domains': {
    foreign: (a) => ({ id: a.tenantId }),
    bodies: { PUT: () => json({ domains: ['hollowbrook.example'] }) },
  },
  '/v1/conversations/:id/messages/:messageId/retry': {
    foreign: (a) => ({ id: a.failedConversationId, messageId: a.failedReplyId }),
    ownParents: (own) => ({ id: own.conversationId }),
  },
  // A finished reply: another tenant's caller is refused before its state is looked at.
  '/v1/conversations/:id/messages/:messageId/stop': {
    foreign: (a) => ({ id: a.failedConversationId, messageId: a.failedReplyId }),
    ownParents: (own) => ({ id: own.conversationId }),
  },
  // A reply's resumable stream (SSE): another tenant's caller is refused before the stream or its outcome.
  '/v1/conversations/:id/messages/:messageId/stream': {
    foreign: (a) => ({ id: a.failedConversationId, messageId: a.failedReplyId }),
    ownParents: (own) => ({ id: own.conversationId }),
  },
  '/v1/conversations/:id/messages/:messageId/tool-approvals': {
    foreign: (a) => ({ id: a.approvalConversationId, messageId: a.approvalReplyId }),
    ownParents: (own) => ({ id: own.conversationId }),
    bodies: { POST: (a) => json({ toolCallId: a.toolCallId, approved: true }) },
  },
  '/v1/knowledge-sources/:id': {
    foreign: (a) => ({ id: a.sourceId }),
    bodies: { PATCH: () => json({ description: 'Changed elsewhere' }) },
  },
  '/v1/knowledge-sources/:id/documents': {
    foreign: (a) => ({ id: a.sourceId }),
    bodies: { POST: documentUpload },
  },
  '/v1/knowledge-sources/:id/imports': {
    foreign: (a) => ({ id: a.sourceId }),
    bodies: { POST: documentUpload },
  },
  '/v1/knowledge-sources/:id/imports/:importId': {
    foreign: (a) => ({ id: a.sourceId, importId: a.importId }),
    ownParents: (own) => ({ id: own.sourceId }),
  },
  '/v1/knowledge-sources/:id/imports/:importId/files': {
    foreign: (a) => ({ id: a.sourceId, importId: a.importId }),
    ownParents: (own) => ({ id: own.sourceId }),
  },
  '/v1/knowledge-sources/:id/documents/from-url': {
    foreign: (a) => ({ id: a.sourceId }),
    // `.test` never resolves: were the lookup to come after the fetch, nothing would leave the machine.
    bodies: { POST: () => json({ url: 'https://docs.example.test/outside.md' }) },
  },
  '/v1/knowledge-sources/:id/documents/:documentId': documentOfSource,
  '/v1/knowledge-sources/:id/documents/:documentId/reindex': documentOfSource,
  '/v1/knowledge-sources/:id/documents/:documentId/cancel': documentOfSource,
  '/v1/knowledge-sources/:id/documents/:documentId/file': {
    ...documentOfSource,
    bodies: { POST: documentUpload },
  },
  '/v1/knowledge-sources/:id/query': {
    foreign: (a) => ({ id: a.sourceId }),
    bodies: { POST: () => json({ query: 'vault code' }) },
  },
  '/v1/files/:id': { foreign: (a) => ({ id: a.fileId }) },
  '/v1/files/:id/content': { foreign: (a) => ({ id: a.fileId }) },
  '/v1/mcp/servers/:id': {
    foreign: (a) => ({ id: a.mcpServerId }),
    bodies: { PATCH: () => json({ enabled: false }) },
  },
  '/v1/mcp/servers/:id/sync': { foreign: (a) => ({ id: a.mcpServerId }) },
  '/v1/mcp/tools/:id': {
    foreign: (a) => ({ id: a.mcpToolId }),
    bodies: { PATCH: () => json({ approval: 'auto' }) },
  },
  '/v1/mcp/tools/:id/execute': {
    foreign: (a) => ({ id: a.mcpToolId }),
    bodies: { POST: () => json({ arguments: { message: 'hi' } }) },
  },
  '/v1/inboxes/:id': {
    foreign: (a) => ({ id: a.inboxId }),
    bodies: { PATCH: () => json({ name: 'Renamed elsewhere' }) },
  },
  '/v1/inboxes/:id/signing-secret': { foreign: (a) => ({ id: a.inboxId }) },
  '/v1/inboxes/:id/messages': {
    foreign: (a) => ({ id: a.inboxId }),
    bodies: {
      POST: () => json({ contact: { externalId: 'elsewhere-1' }, content: 'From elsewhere', messageId: 'm-1' }),
    },
  },
  '/v1/inboxes/:id/conversations/:conversationId': {
    foreign: (a) => ({ id: a.inboxId, conversationId: a.supportConversationId }),
  },
  '/v1/inboxes/:id/conversations/:conversationId/messages': {
    foreign: (a) => ({ id: a.inboxId, conversationId: a.supportConversationId }),
  },
  '/v1/inboxes/:id/conversations/:conversationId/handoff': {
    foreign: (a) => ({ id: a.inboxId, conversationId: a.supportConversationId }),
  },
  '/v1/inboxes/:id/conversations/:conversationId/csat': {
    foreign: (a) => ({ id: a.inboxId, conversationId: a.supportConversationId }),
    bodies: { POST: () => json({ rating: 5 }) },
  },
  '/v1/contacts/:id': {
    foreign: (a) => ({ id: a.contactId }),
    bodies: { PATCH: () => json({ name: 'Renamed elsewhere' }) },
  },
  '/v1/contacts/:id/conversations': { foreign: (a) => ({ id: a.contactId }) },
  // A contact's data on request: B's admin finds no contact of A's to export or erase.
  '/v1/contacts/:id/export': { foreign: (a) => ({ id: a.contactId }) },
  '/v1/contacts/:id/erase': { foreign: (a) => ({ id: a.contactId }) },
  // A contact's memories: A's contact is refused as missing before any memory is looked for.
  '/v1/contacts/:id/memories': { foreign: (a) => ({ id: a.contactId }) },
  '/v1/contacts/:id/memories/:memoryId': { foreign: (a) => ({ id: a.contactId, memoryId: a.projectId }) },
  '/v1/support-conversations/:id': supportConversation({ PATCH: () => json({ priority: 'high' }) }),
  '/v1/support-conversations/:id/rule-runs': supportConversation(),
  '/v1/routing-rules/:id': {
    foreign: (a) => ({ id: a.routingRuleId }),
    bodies: { PATCH: () => json({ name: 'Renamed elsewhere' }) },
  },
  '/v1/support-conversations/:id/take': supportConversation(),
  '/v1/support-conversations/:id/resolve': supportConversation(),
  '/v1/support-conversations/:id/reopen': supportConversation(),
  '/v1/support-conversations/:id/assign': supportConversation({ POST: () => json({ operatorId: nobodyId }) }),
  '/v1/support-conversations/:id/transfer': supportConversation({ POST: () => json({ operatorId: nobodyId }) }),
  // A's conversation moved to a team that exists nowhere: the conversation is refused as missing first.
  '/v1/support-conversations/:id/transfer-team': supportConversation({ POST: () => json({ teamId: nobodyId }) }),
  '/v1/support-conversations/:id/snooze': supportConversation({
    POST: () => json({ until: '2099-01-31T09:00:00Z' }),
  }),
  '/v1/support-conversations/:id/events': supportConversation(),
  '/v1/support-conversations/:id/notes': supportConversation({ POST: () => json({ body: 'Note from elsewhere' }) }),
  '/v1/support-conversations/:id/labels': supportConversation({ PUT: () => json({ labels: ['elsewhere'] }) }),
  '/v1/webhooks/:id': {
    foreign: (a) => ({ id: a.webhookId }),
    bodies: { PATCH: () => json({ description: 'Changed elsewhere' }) },
  },
  '/v1/webhooks/:id/secret': { foreign: (a) => ({ id: a.webhookId }) },
  '/v1/webhooks/:id/test': { foreign: (a) => ({ id: a.webhookId }) },
  '/v1/webhooks/:id/deliveries': { foreign: (a) => ({ id: a.webhookId }) },
  '/v1/webhooks/:id/deliveries/:deliveryId/redeliver': {
    foreign: (a) => ({ id: a.webhookId, deliveryId: a.webhookDeliveryId }),
  },
  '/v1/support-conversations/:id/messages': supportConversation({
    POST: () => json({ content: 'Reply from elsewhere' }),
  }),
  '/v1/support-conversations/:id/reply-suggestion': supportConversation(),
  '/v1/canned-responses/:id': {
    foreign: (a) => ({ id: a.cannedResponseId }),
    bodies: { PATCH: () => json({ content: 'Changed elsewhere' }) },
  },
  '/v1/teams/:id': {
    foreign: (a) => ({ id: a.teamId }),
    bodies: { PATCH: () => json({ name: 'Renamed elsewhere' }) },
  },
  '/v1/teams/:id/members': {
    foreign: (a) => ({ id: a.teamId }),
    bodies: { PUT: () => json({ userIds: [] }) },
  },
};

/** Parameterised, non-public routes whose parameter is not an object a tenant owns. */
export const exemptRoutes: Record<string, string> = {
  '/v1/mcp/stdio-commands/:id':
    "the stdio allow list is server-wide and only the platform admin's; no tenant owns an entry",
  '/v1/model-prices/:id': 'the price table is platform-wide: every tenant is priced by the same rows',
  '/v1/tenants/:id/budget':
    "platform admins only, by any tenant's id; a tenant's own admins use /v1/tenant/budget, which takes no id",
};

/** An id of tenant A sent in a body or a query string rather than in the path. */
export interface ReferenceCase {
  readonly foreign: (a: TenantAIds) => string;
  readonly request: (ref: string, own: OwnObjects) => Omit<Probe, 'sentIds'>;
}

/**
 * Routes that take another object's id in the body or the query. Their table is kept by hand: unlike
 * path parameters, nothing in the route table says which fields are references.
 */
export const referenceCases: Record<string, ReferenceCase> = {
  'routing rule assigning teamId': {
    foreign: (a) => a.teamId,
    request: (ref) => ({
      method: 'POST',
      url: '/v1/routing-rules',
      body: json({ name: 'Borrowed team', trigger: 'created', actions: [{ type: 'assign_team', teamId: ref }] }),
    }),
  },
  'routing rule on inboxId': {
    foreign: (a) => a.inboxId,
    request: (ref) => ({
      method: 'POST',
      url: '/v1/routing-rules',
      body: json({
        name: 'Borrowed inbox',
        trigger: 'created',
        conditions: [{ type: 'inbox', inboxIds: [ref] }],
        actions: [{ type: 'set_priority', priority: 'high' }],
      }),
    }),
  },
  'routing rule dry run of ruleId': {
    foreign: (a) => a.routingRuleId,
    request: (ref) => ({ method: 'POST', url: '/v1/routing-rules/dry-run', body: json({ ruleId: ref }) }),
  },
  'conversation moved to teamId by PATCH': {
    foreign: (a) => a.teamId,
    request: (ref, own) => ({
      method: 'PATCH',
      url: `/v1/support-conversations/${own.conversationId}`,
      body: json({ teamId: ref }),
    }),
  },
  'new conversation with agentId': {
    foreign: (a) => a.agentId,
    request: (ref) => ({ method: 'POST', url: '/v1/conversations', body: json({ agentId: ref }) }),
  },
  'new conversation with projectId': {
    foreign: (a) => a.projectId,
    request: (ref, own) => ({
      method: 'POST',
      url: '/v1/conversations',
      body: json({ agentId: own.agentId, projectId: ref }),
    }),
  },
  'conversation moved to projectId': {
    foreign: (a) => a.projectId,
    request: (ref, own) => ({
      method: 'PATCH',
      url: `/v1/conversations/${own.conversationId}`,
      body: json({ projectId: ref }),
    }),
  },
  'conversations listed by projectId': {
    foreign: (a) => a.projectId,
    request: (ref) => ({ method: 'GET', url: `/v1/conversations?projectId=${ref}`, body: {} }),
  },
  'SSO connections listed by tenantId': {
    foreign: (a) => a.tenantId,
    request: (ref) => ({ method: 'GET', url: `/v1/sso/connections?tenantId=${ref}`, body: {} }),
  },
  'SSO connection made for tenantId': {
    foreign: (a) => a.tenantId,
    request: (ref) => ({
      method: 'POST',
      url: '/v1/sso/connections',
      body: json({
        tenantId: ref,
        slug: 'borrowed',
        issuerUrl: 'http://127.0.0.1:9/borrowed',
        clientId: 'c',
        clientSecret: 's',
        allowedDomains: ['borrowed.test'],
      }),
    }),
  },
  'projects listed by ownerId': {
    foreign: (a) => a.adminId,
    request: (ref) => ({ method: 'GET', url: `/v1/projects?ownerId=${ref}`, body: {} }),
  },
  'new agent with knowledgeSourceIds': {
    foreign: (a) => a.sourceId,
    request: (ref) => ({
      method: 'POST',
      url: '/v1/agents',
      body: json({ name: 'Borrowed sources', model: 'offline', knowledgeSourceIds: [ref] }),
    }),
  },
  'agent given knowledgeSourceIds': {
    foreign: (a) => a.sourceId,
    request: (ref, own) => ({
      method: 'PATCH',
      url: `/v1/agents/${own.agentId}`,
      body: json({ knowledgeSourceIds: [ref] }),
    }),
  },
  'agent given an MCP tool key': {
    foreign: (a) => a.mcpToolId,
    request: (ref, own) => ({
      method: 'PATCH',
      url: `/v1/agents/${own.agentId}`,
      body: json({ toolKeys: [`mcp:${ref}`] }),
    }),
  },
  'message with fileIds': {
    foreign: (a) => a.fileId,
    request: (ref, own) => ({
      method: 'POST',
      url: `/v1/conversations/${own.conversationId}/messages`,
      body: json({ content: 'What is in this file?', fileIds: [ref] }),
    }),
  },
  'query narrowed to documentIds': {
    foreign: (a) => a.documentId,
    request: (ref, own) => ({
      method: 'POST',
      url: `/v1/knowledge-sources/${own.sourceId}/query`,
      body: json({ query: 'vault code', documentIds: [ref] }),
    }),
  },
  'CSAT report narrowed to inboxId': {
    foreign: (a) => a.inboxId,
    request: (ref) => ({ method: 'GET', url: `/v1/analytics/csat?inboxId=${ref}`, body: {} }),
  },
  'low ratings narrowed to inboxId': {
    foreign: (a) => a.inboxId,
    request: (ref) => ({ method: 'GET', url: `/v1/analytics/csat/low-ratings?inboxId=${ref}`, body: {} }),
  },
  'reply-time figures narrowed to inboxId': {
    foreign: (a) => a.inboxId,
    request: (ref) => ({ method: 'GET', url: `/v1/analytics/reply-targets?inboxId=${ref}`, body: {} }),
  },
  'reply-time figures narrowed to teamId': {
    foreign: (a) => a.teamId,
    request: (ref) => ({ method: 'GET', url: `/v1/analytics/reply-targets?teamId=${ref}`, body: {} }),
  },
  'queue narrowed to teamId': {
    foreign: (a) => a.teamId,
    request: (ref) => ({ method: 'GET', url: `/v1/support-conversations?teamId=${ref}`, body: {} }),
  },
  'inbox made with teamId': {
    foreign: (a) => a.teamId,
    request: (ref) => ({ method: 'POST', url: '/v1/inboxes', body: json({ name: 'Borrowed team', teamId: ref }) }),
  },
  'MCP tools listed by serverId': {
    foreign: (a) => a.mcpServerId,
    request: (ref) => ({ method: 'GET', url: `/v1/mcp/tools?serverId=${ref}`, body: {} }),
  },
  'MCP executions listed by toolId': {
    foreign: (a) => a.mcpToolId,
    request: (ref) => ({ method: 'GET', url: `/v1/mcp/executions?toolId=${ref}`, body: {} }),
  },
  'evaluation run of setId on an own agent': {
    foreign: (a) => a.evaluationSetId,
    request: (ref, own) => ({
      method: 'POST',
      url: '/v1/evaluation-runs',
      body: json({ setId: ref, agentId: own.agentId, arms: [{}] }),
    }),
  },
  'evaluation runs listed by agentId': {
    foreign: (a) => a.agentId,
    request: (ref) => ({ method: 'GET', url: `/v1/evaluation-runs?agentId=${ref}`, body: {} }),
  },
  'evaluation gate naming setId': {
    foreign: (a) => a.evaluationSetId,
    request: (ref, own) => ({
      method: 'PUT',
      url: `/v1/agents/${own.agentId}/evaluation-gate`,
      body: json({ setId: ref }),
    }),
  },
  'chat completion with an agent id as model': {
    foreign: (a) => a.agentId,
    request: (ref) => ({
      method: 'POST',
      url: '/v1/chat/completions',
      body: json({ model: ref, messages: [{ role: 'user', content: 'Hello' }] }),
    }),
  },
};

export const accessOf = (route: RouteOptions): unknown => (route.config as { access?: unknown } | undefined)?.access;
export const isParameterised = (url: string): boolean => /[:*]/.test(url);
export const takesBody = (method: Method): boolean => method === 'POST' || method === 'PATCH' || method === 'PUT';

/** The parameterised routes a signed-in caller can reach, with every method each answers to. */
export function parameterisedRoutes(routes: readonly RouteOptions[]): Map<string, Method[]> {
  const methodsByUrl = new Map<string, Method[]>();
  for (const route of routes) {
    if (accessOf(route) === 'public' || !isParameterised(route.url)) continue;
    const methods = methodsByUrl.get(route.url) ?? [];
    methods.push(...([route.method].flat() as Method[]));
    methodsByUrl.set(route.url, methods);
  }
  return methodsByUrl;
}

export const fillPattern = (pattern: string, params: Ids): string =>
  pattern.replace(/:([A-Za-z0-9_]+)/g, (_match, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`${pattern}: no value for :${name}`);
    return value;
  });

/** Every id made one that exists nowhere; a number in the path (a version's) is a position, not an object, and stays. */
export const unknownIds = (ids: Ids): Ids =>
  Object.fromEntries(Object.entries(ids).map(([name, value]) => [name, /^\d+$/.test(value) ? value : randomUUID()]));

/** An answer as a client could compare it. */
export interface ComparableAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: unknown;
}

export interface RawAnswer {
  readonly statusCode: number;
  readonly headers: OutgoingHttpHeaders;
  readonly body: string;
}

/** Differ between any two requests, whatever they ask for: the request id, and how long a search took. */
export const perRequestFields = ['requestId', 'tookMs'];

/** The sent ids masked by name (`instance` then reads the same for both), per-request fields dropped. */
export function comparable(answer: RawAnswer, sentIds: Ids): ComparableAnswer {
  let text = answer.body;
  for (const [name, id] of Object.entries(sentIds)) text = text.replaceAll(id, `<${name}>`);
  const contentType = String(answer.headers['content-type'] ?? '');
  if (!/json/.test(contentType) || text.length === 0) return { status: answer.statusCode, contentType, body: text };
  const body = JSON.parse(text) as Record<string, unknown>;
  for (const field of perRequestFields) delete body[field];
  return { status: answer.statusCode, contentType, body };
}

/** Tenant A's ids, names, emails and contents an answer shows, other than the ids the request sent. */
export function echoedSecrets(answer: RawAnswer, secrets: readonly string[], sentIds: Ids): string[] {
  const sent = new Set(Object.values(sentIds));
  const seen = `${JSON.stringify(answer.headers)}\n${answer.body}`.toLowerCase();
  return secrets.filter((secret) => !sent.has(secret) && seen.includes(secret.toLowerCase()));
}

/**
 * What tenant A's admin reads of one URL. Compared whole after the walk: nothing in these views changes
 * when they are only read (no last-read or last-used times for reads by the admin), so nothing is ignored.
 */
export interface ObjectRead {
  readonly status: number;
  readonly body: unknown;
}

/** What is allowed of an answer to A's ids, given whether it matched the answer to unknown ids. */
export type StatusRule = (status: number, isSameAsUnknown: boolean) => boolean;
/** B's admin passes every role check, so the lookup answers: 404, or a 400 that does not depend on the id. */
export const notFoundRule: StatusRule = (status, isSame) => status === 404 || (status === 400 && isSame);
/** B's member may be turned away by a role check first; any refusal, as long as it matches. */
export const refusedRule: StatusRule = (status) => status >= 400;
/** A filter or reference may answer an empty list or a 4xx; only indistinguishability matters. */
export const anyStatusRule: StatusRule = () => true;
