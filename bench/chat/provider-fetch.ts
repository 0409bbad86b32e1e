/**
 * `npx tsx bench/chat/provider-fetch.ts [calls] [rounds]` — how soon one streamed reply's first byte, and
 * its first text part through the provider SDK, reach the caller for each way of sending the request
 * (ADR 7, BENCHMARKS.md "Providers' requests without WHATWG fetch"). One stream at a time, 20 ms apart,
 * against the chat bench's mock in its own process; the ways are interleaved call by call, so the
 * machine's load falls on all alike. Prints the median of each round, in ms from the call.
 */
import path from 'node:path';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { Agent } from 'undici';
import { createDispatcherFetch } from '../../src/platform/outbound/dispatcher-fetch.js';
import { profileModelId, defaultProfile } from './mock-llm.js';
import { sleep, startHelper } from './processes.js';

const calls = Number(process.argv[2] ?? 200);
const rounds = Number(process.argv[3] ?? 3);
const modelId = profileModelId(defaultProfile);

const mock = await startHelper('mock-llm.ts', {}, path.join(process.env.TMPDIR ?? '/tmp', 'provider-fetch-mock.log'));
const agent = new Agent();
const dispatcherFetch = createDispatcherFetch(agent, globalThis.fetch);
const body = JSON.stringify({ model: modelId, stream: true, messages: [{ role: 'user', content: 'hi' }] });
const completionsUrl = `${mock.url}/v1/chat/completions`;

/** Call → first chunk of the body, read to its end so the connection goes back to the pool. */
async function firstByte(send: typeof fetch): Promise<number> {
  const started = performance.now();
  const response = await send(completionsUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  const reader = response.body!.getReader();
  await reader.read();
  const elapsed = performance.now() - started;
  while (!(await reader.read()).done);
  return elapsed;
}

async function requestFirstByte(): Promise<number> {
  const started = performance.now();
  const response = await agent.request({
    origin: mock.url,
    path: '/v1/chat/completions',
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  let elapsed = 0;
  for await (const _chunk of response.body) elapsed ||= performance.now() - started;
  return elapsed;
}

/** Call → first text part out of the OpenAI-compatible SDK's `doStream`, as a chat turn reads it. */
function sdkFirstText(send: typeof fetch): () => Promise<number> {
  const model = createOpenAICompatible({ name: 'bench', baseURL: `${mock.url}/v1`, fetch: send }).chatModel(modelId);
  return async () => {
    const started = performance.now();
    const { stream } = await model.doStream({ prompt: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] });
    let elapsed = 0;
    const reader = stream.getReader();
    for (let part = await reader.read(); !part.done; part = await reader.read()) {
      if (!elapsed && part.value.type === 'text-delta') elapsed = performance.now() - started;
    }
    return elapsed;
  };
}

const ways: Record<string, () => Promise<number>> = {
  'first byte: global fetch': () => firstByte(globalThis.fetch),
  'first byte: undici dispatcher.request': requestFirstByte,
  'first byte: dispatcher.request as fetch (dispatcher-fetch.ts)': () => firstByte(dispatcherFetch),
  'first text part, SDK doStream: global fetch': sdkFirstText(globalThis.fetch),
  'first text part, SDK doStream: dispatcher-fetch.ts': sdkFirstText(dispatcherFetch),
};

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
try {
  console.log(`| way | ${Array.from({ length: rounds }, (_, round) => `round ${round + 1}`).join(' | ')} |`);
  console.log(`|---|${'---|'.repeat(rounds)}`);
  const medians = new Map<string, number[]>(Object.keys(ways).map((name) => [name, []]));
  for (let round = 0; round < rounds; round += 1) {
    const times = new Map<string, number[]>(Object.keys(ways).map((name) => [name, []]));
    for (let call = 0; call < calls; call += 1) {
      for (const [name, way] of Object.entries(ways)) {
        times.get(name)!.push(await way());
        await sleep(20);
      }
    }
    for (const [name, values] of times) medians.get(name)!.push(median(values));
  }
  for (const [name, values] of medians)
    console.log(`| ${name} | ${values.map((value) => value.toFixed(2)).join(' | ')} |`);
} finally {
  await agent.close();
  await mock.stop();
}
