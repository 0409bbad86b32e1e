import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One delivery as the receiver saw it, with whether its signature verified under the current secret. */
export interface ReceivedDelivery {
  readonly headers: IncomingHttpHeaders;
  readonly rawBody: string;
  readonly isVerified: boolean;
  /** The verified payload (`Webhook.verify`'s parse), or undefined when it did not verify. */
  readonly payload:
    { id: string; type: string; timestamp: string; tenantId: string; data: Record<string, unknown> } | undefined;
  readonly receivedAt: number;
}

export interface ReceiverAnswer {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** Waits this long before answering (a slow receiver). */
  readonly delayMs?: number;
}

export interface WebhookReceiver {
  readonly url: string;
  readonly received: readonly ReceivedDelivery[];
  /** The secret deliveries are verified with (set after the endpoint is created, or rotated). */
  secret: string;
  /** Answers to give, in order; once used up, every delivery gets 200. */
  answers: ReceiverAnswer[];
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedDelivery[]>;
  close(): Promise<void>;
}

/** A real receiver on 127.0.0.1 that verifies each delivery with the Standard Webhooks library. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedDelivery[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      let payload: ReceivedDelivery['payload'];
      try {
        payload = new Webhook(receiver.secret).verify(
          rawBody,
          request.headers as Record<string, string>,
        ) as typeof payload;
      } catch {
        payload = undefined;
      }
      received.push({
        headers: request.headers,
        rawBody,
        isVerified: payload !== undefined,
        payload,
        receivedAt: Date.now(),
      });
      const answer = receiver.answers.shift() ?? { status: 200, body: 'ok' };
      setTimeout(() => {
        if (response.destroyed) return;
        response.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
        response.end(answer.body ?? '');
      }, answer.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const receiver: WebhookReceiver = {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    secret: '',
    answers: [],
    async waitFor(count, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`the receiver got ${received.length} deliveries, not ${count}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return received.slice(0, count);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return receiver;
}
