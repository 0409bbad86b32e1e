/** A new account on a running server, signed up over HTTP as a person would, with one agent. */
export interface HttpAccount {
  readonly headers: Record<string, string>;
  readonly agentId: string;
  /** A new conversation with the agent; its id. */
  newConversation(): Promise<string>;
}

const json = { 'content-type': 'application/json' };

async function answered<T>(response: Promise<Response>, status: number): Promise<T> {
  const answer = await response;
  const body = await answer.text();
  if (answer.status !== status) throw new Error(`${answer.url}: expected ${status}, got ${answer.status}: ${body}`);
  return JSON.parse(body) as T;
}

/**
 * For the tests on real `parley serve` processes: `baseUrl` a node or a balancer in front of them. The
 * agent's model is the OpenAI fake's unless `model` names another (`offline`).
 */
export async function signUpOverHttp(
  baseUrl: string,
  name: string,
  { model = 'openai:gpt-4o-mini' }: { model?: string } = {},
): Promise<HttpAccount> {
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${baseUrl}${path}`, { method: 'POST', headers: { ...headers, ...json }, body: JSON.stringify(body) });
  const { accessToken } = await answered<{ accessToken: string }>(
    post('/v1/auth/register', { email: `${name}@example.test`, password: 'a long password' }),
    201,
  );
  const headers = { authorization: `Bearer ${accessToken}` };
  const agent = await answered<{ id: string }>(
    post('/v1/agents', { name: 'Steady', instructions: 'Answer.', model }, headers),
    201,
  );
  return {
    headers,
    agentId: agent.id,
    newConversation: async () =>
      (await answered<{ id: string }>(post('/v1/conversations', { agentId: agent.id }, headers), 201)).id,
  };
}
