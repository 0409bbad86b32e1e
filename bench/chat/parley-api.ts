import { requestJson, streamTurn, type TurnTiming } from './http-client.js';

/** The few Parley endpoints the benchmark calls, through its public HTTP API only. */
export interface Session {
  readonly accessToken: string;
  readonly userId: string;
  readonly tenantId: string;
}

export const benchPassword = 'bench-password-not-secret';

export function createParleyClient(baseUrl: string) {
  const call = async (
    method: string,
    path: string,
    session: Session | undefined,
    body?: unknown,
    expected = [200, 201],
  ) => {
    const response = await requestJson(method, baseUrl + path, {
      body,
      headers: session ? { authorization: `Bearer ${session.accessToken}` } : {},
    });
    if (!expected.includes(response.status)) {
      throw new Error(`${method} ${path} answered ${response.status}: ${response.text.slice(0, 400)}`);
    }
    return response.body as Record<string, unknown>;
  };
  const asSession = (body: Record<string, unknown>): Session => {
    const user = body.user as { id: string; tenantId: string };
    return { accessToken: String(body.accessToken), userId: user.id, tenantId: user.tenantId };
  };

  return {
    /** The first account becomes platform admin; with SIGNUP_MODE=open each later one gets its own tenant. */
    register: async (email: string, tenantName: string) =>
      asSession(await call('POST', '/v1/auth/register', undefined, { email, password: benchPassword, tenantName })),

    login: async (email: string) =>
      asSession(await call('POST', '/v1/auth/login', undefined, { email, password: benchPassword })),

    createUser: async (admin: Session, email: string, role: 'member' | 'operator') =>
      (await call('POST', '/v1/users', admin, { email, password: benchPassword, role })) as { id: string },

    createAgent: async (session: Session, name: string, model: string) =>
      String((await call('POST', '/v1/agents', session, { name, model, visibility: 'tenant' })).id),

    createConversation: async (session: Session, agentId: string) =>
      String((await call('POST', '/v1/conversations', session, { agentId })).id),

    /** One streamed turn, timed token by token. */
    sendMessage: (session: Session, conversationId: string, content: string): Promise<TurnTiming> =>
      streamTurn(`${baseUrl}/v1/conversations/${conversationId}/messages`, {
        dialect: 'ui-message',
        headers: { authorization: `Bearer ${session.accessToken}` },
        body: { content },
      }),

    /** A GET whose latency is what we measure; throws on anything but 200. */
    get: async (session: Session, path: string) => {
      const response = await requestJson('GET', baseUrl + path, {
        headers: { authorization: `Bearer ${session.accessToken}` },
      });
      if (response.status !== 200)
        throw new Error(`GET ${path} answered ${response.status}: ${response.text.slice(0, 400)}`);
      return response;
    },
  };
}

export type ParleyClient = ReturnType<typeof createParleyClient>;
