import nodemailer from 'nodemailer';
import type { ChaosCluster } from './chaos-cluster.js';
import { retryableStatuses, type ClientOperation, type History } from './chaos-history.js';
import { followReply, readEvents } from './chaos-streams.js';
import type { ChaosTenant } from './chaos-tenant.js';

/** How long one operation keeps retrying before its client gives up and records a failure. */
export const operationDeadlineMs = 60_000;
/** How long one request may take before its client gives up on it (and retries). */
const requestTimeoutMs = 30_000;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const retryPauseMs = (response: Response | undefined) =>
  Math.min(2_000, Number(response?.headers.get('retry-after') ?? 0) * 1_000 || 300);

/** What every client needs: where to send, as whom, what to record in. */
export interface ClientContext {
  readonly cluster: ChaosCluster;
  readonly tenant: ChaosTenant;
  readonly history: History;
  readonly isRunning: () => boolean;
}

/**
 * Sends one request until it gets an answer that is not a retryable refusal (or the deadline passes),
 * recording each status; answers the last response, or undefined when none came.
 */
export async function sendWithRetries(
  operation: ClientOperation,
  send: () => Promise<Response>,
  deadline = Date.now() + operationDeadlineMs,
): Promise<Response | undefined> {
  while (Date.now() < deadline) {
    const response = await send().catch(() => undefined);
    operation.statuses.push(response?.status ?? 0);
    if (response && !retryableStatuses.has(response.status)) return response;
    await response?.body?.cancel();
    await pause(retryPauseMs(response));
  }
  return undefined;
}

/** A console user's chat: a streamed turn at a time, retried with its Idempotency-Key, a cut stream followed. */
export async function chatClient(context: ClientContext, client: number): Promise<void> {
  const { cluster, tenant, history } = context;
  const conversationId = tenant.conversationIds[client]!;
  for (let turn = 0; context.isRunning(); turn += 1) {
    const content = `[chat ${client}.${turn}]`;
    const operation = history.begin('chat', content);
    const deadline = Date.now() + operationDeadlineMs;
    const post = () =>
      fetch(`${cluster.balancer.baseUrl}/v1/conversations/${conversationId}/messages`, {
        method: 'POST',
        headers: {
          ...tenant.headers,
          'content-type': 'application/json',
          accept: 'text/event-stream',
          'idempotency-key': `chaos-${content.slice(1, -1)}`,
        },
        body: JSON.stringify({ content }),
        signal: AbortSignal.timeout(operationDeadlineMs),
      });
    let outcome: 'ok' | 'cut-resumed' | 'failed' | undefined;
    while (outcome === undefined) {
      const response = await sendWithRetries(operation, post, deadline);
      if (response?.status !== 200) {
        history.end(operation, 'failed', `answered ${response?.status ?? 'nothing'}`);
        break;
      }
      operation.acked = true;
      const { events } = await readEvents(response);
      if (events.some((event) => event !== '[DONE]' && event.type === 'finish')) outcome = 'ok';
      else {
        const start = events.find((event) => event !== '[DONE]' && event.type === 'start');
        const replyId = start !== undefined && start !== '[DONE]' ? String(start.messageId) : undefined;
        // No reply id yet: the same key again answers the stored turn (or it is still being written).
        if (replyId === undefined) continue;
        const end = await followReply(cluster.balancer.baseUrl, conversationId, replyId, tenant.headers, deadline);
        outcome = end ? 'cut-resumed' : 'failed';
      }
      history.end(operation, outcome, outcome === 'failed' ? 'the reply never ended' : undefined);
    }
    await pause(200);
  }
}

/** An OpenAI SDK user: stateless completions through `/v1/chat/completions`, answered whole. */
export async function openAiClient(context: ClientContext): Promise<void> {
  const { cluster, tenant, history } = context;
  while (context.isRunning()) {
    const operation = history.begin('openai');
    const response = await sendWithRetries(operation, () =>
      fetch(`${cluster.balancer.baseUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { ...tenant.headers, 'content-type': 'application/json' },
        body: JSON.stringify({ model: tenant.agentName, messages: [{ role: 'user', content: 'Hi' }] }),
        signal: AbortSignal.timeout(operationDeadlineMs),
      }),
    );
    const isAnswered =
      response?.status === 200 && Boolean(((await response.json()) as { choices?: unknown[] }).choices);
    // A provider failing answers 502 with OpenAI's error body: an answer, not a lost request.
    if (!isAnswered) await response?.body?.cancel().catch(() => undefined);
    history.end(operation, isAnswered ? 'ok' : 'failed', isAnswered ? undefined : `answered ${response?.status}`);
    await pause(300);
  }
}

/** A website visitor: a widget session and conversation, then a message every second or so. */
export async function widgetClient(context: ClientContext, client: number): Promise<void> {
  const { cluster, tenant, history } = context;
  const base = cluster.balancer.baseUrl;
  const origin = { origin: tenant.siteOrigin };
  const setUp = history.begin('widget');
  const session = await sendWithRetries(setUp, () =>
    fetch(`${base}/v1/widget/inboxes/${tenant.widgetInboxId}/sessions`, {
      method: 'POST',
      headers: { ...origin, 'content-type': 'application/json' },
      body: '{}',
      signal: AbortSignal.timeout(requestTimeoutMs),
    }),
  );
  if (session?.status !== 201) return void history.end(setUp, 'failed', `session answered ${session?.status}`);
  const { contactToken } = (await session.json()) as { contactToken: string };
  const headers = { ...origin, authorization: `Bearer ${contactToken}` };
  const opened = await sendWithRetries(setUp, () =>
    fetch(`${base}/v1/widget/conversations`, {
      method: 'POST',
      headers,
      signal: AbortSignal.timeout(requestTimeoutMs),
    }),
  );
  if (opened?.status !== 201) return void history.end(setUp, 'failed', `conversation answered ${opened?.status}`);
  history.end(setUp, 'ok');
  const { id } = (await opened.json()) as { id: string };
  for (let message = 0; context.isRunning(); message += 1) {
    const content = `[widget ${client}.${message}]`;
    const operation = history.begin('widget', content);
    const response = await sendWithRetries(operation, () =>
      fetch(`${base}/v1/widget/conversations/${id}/messages`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ content, clientMessageId: content }),
        signal: AbortSignal.timeout(requestTimeoutMs),
      }),
    );
    operation.acked = response?.status === 200;
    await response?.body?.cancel().catch(() => undefined);
    history.end(operation, operation.acked ? 'ok' : 'failed', `answered ${response?.status}`);
    await pause(1_000);
  }
}

/** A customer writing mail to the email inbox through a live node's SMTP listener. */
export async function mailSender(context: ClientContext): Promise<void> {
  const { cluster, tenant, history } = context;
  for (let mail = 0; context.isRunning(); mail += 1) {
    const content = `[mail ${mail}]`;
    const operation = history.begin('mail', content);
    const deadline = Date.now() + operationDeadlineMs;
    while (!operation.acked && Date.now() < deadline) {
      const node = cluster.nodes[mail % cluster.nodes.length]!;
      // Bounded, as a mail server's delivery attempt is: a listener that stops answering is tried again.
      const client = nodemailer.createTransport({
        host: '127.0.0.1',
        port: node.smtpPort,
        secure: false,
        ignoreTLS: true,
        connectionTimeout: 5_000,
        greetingTimeout: 5_000,
        socketTimeout: requestTimeoutMs,
      });
      try {
        await client.sendMail({
          from: `customer${mail}@customer.example`,
          to: tenant.mailAddress,
          subject: `Question ${mail}`,
          text: content,
          messageId: `<chaos-mail-${mail}@customer.example>`,
        });
        operation.acked = true;
        operation.statuses.push(250);
      } catch (error) {
        operation.statuses.push(0);
        operation.detail = (error as Error).message;
        await pause(300);
      } finally {
        client.close();
      }
    }
    history.end(operation, operation.acked ? 'ok' : 'failed', operation.detail);
    await pause(2_000);
  }
}

/** A person at the desk: answers every pending conversation (the mailed ones), a reply each. */
export async function operatorClient(context: ClientContext): Promise<void> {
  const { cluster, tenant, history } = context;
  const base = cluster.balancer.baseUrl;
  for (let reply = 0; context.isRunning();) {
    const listed = await fetch(`${base}/v1/support-conversations?status=pending&limit=20`, {
      headers: tenant.headers,
      signal: AbortSignal.timeout(requestTimeoutMs),
    }).catch(() => undefined);
    const pending = listed?.status === 200 ? ((await listed.json()) as { items: { id: string }[] }).items : [];
    if (listed?.status !== 200) await listed?.body?.cancel();
    for (const conversation of pending) {
      const content = `[operator ${(reply += 1)}]`;
      const operation = history.begin('operator', content);
      // Under an Idempotency-Key: a reply sent again after a lost answer is stored once.
      const response = await sendWithRetries(operation, () =>
        fetch(`${base}/v1/support-conversations/${conversation.id}/messages`, {
          method: 'POST',
          headers: { ...tenant.headers, 'content-type': 'application/json', 'idempotency-key': content.slice(1, -1) },
          body: JSON.stringify({ content }),
          signal: AbortSignal.timeout(requestTimeoutMs),
        }),
      );
      operation.acked = response?.status === 201;
      await response?.body?.cancel().catch(() => undefined);
      // A conversation another reply took meanwhile is no loss.
      history.end(operation, operation.acked ? 'ok' : 'failed', `answered ${response?.status}`);
    }
    await pause(1_000);
  }
}
