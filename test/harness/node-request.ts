/** A node's answer to one request: its status, its JSON body (`{}` when it sent none) and the text as sent. */
export interface NodeAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly text: string;
}

/**
 * One HTTP request to a running server (a `parley serve` node, a balancer), as a client sends it: `body`
 * as JSON. For the tests on real processes, which look at statuses and bodies rather than throw on them.
 */
export async function nodeRequest(
  base: string,
  method: string,
  url: string,
  headers: Record<string, string> = {},
  body?: object,
): Promise<NodeAnswer> {
  const response = await fetch(`${base}${url}`, {
    method,
    headers: { ...headers, ...(body && { 'content-type': 'application/json' }) },
    ...(body && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  const isJson = response.headers.get('content-type')?.includes('json') ?? false;
  return { status: response.status, body: (isJson && text ? JSON.parse(text) : {}) as Record<string, unknown>, text };
}
