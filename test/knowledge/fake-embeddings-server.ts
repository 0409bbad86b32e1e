import { createHash } from 'node:crypto';
import { sendJson, startFakeHttpServer, type RunningFakeServer } from '../fakes/fake-http-server.js';

type FakeAnswer = 'fail' | 'short' | undefined;

export interface FakeEmbeddingsServer {
  /** `{url}/v1`, what an OpenAI-compatible client takes as its base URL. */
  readonly baseUrl: string;
  /** Embedding requests answered so far (failed ones included). */
  readonly callCount: () => number;
  /** While true, every embeddings request is answered 500, as by a provider having an outage. */
  failing: boolean;
  /** The width of the vectors answered; changed, as when another model is pulled under the same name. */
  dimensions: number;
  /**
   * How a text is embedded; unset, a hash of the text (vectors that carry no meaning). A test sets it
   * to vectors built to be informative, as a real model's are.
   */
  embedText: ((text: string, dimensions: number) => number[]) | undefined;
  /**
   * Called with each request's texts before it is answered: it may wait (holding an indexing job
   * mid-way), return 'fail' to answer that one request 500, or 'short' to answer it one vector only.
   */
  beforeAnswer: ((inputs: readonly string[]) => Promise<FakeAnswer> | FakeAnswer) | undefined;
  /**
   * Holds every request unanswered, as a slow provider would, until `release`; `reached` settles when
   * the first one arrives.
   */
  hold(): { readonly reached: Promise<void>; release(): void };
  close(): Promise<void>;
}

/** A deterministic unit vector per text: the same text always embeds the same way. */
function vectorOf(text: string, dimensions: number): number[] {
  const values: number[] = [];
  for (let block = 0; values.length < dimensions; block += 1) {
    const digest = createHash('sha256').update(`${block}:${text}`).digest();
    for (const byte of digest) values.push(byte / 255 - 0.5);
  }
  const vector = values.slice(0, dimensions);
  const norm = Math.hypot(...vector) || 1;
  return vector.map((value) => value / norm);
}

/** A fake of OpenAI's `POST /v1/embeddings`, in its wire format. */
export async function startFakeEmbeddingsServer(dimensions = 384): Promise<FakeEmbeddingsServer> {
  let calls = 0;
  const state: {
    failing: boolean;
    dimensions: number;
    beforeAnswer: FakeEmbeddingsServer['beforeAnswer'];
    embedText: FakeEmbeddingsServer['embedText'];
  } = { failing: false, dimensions, beforeAnswer: undefined, embedText: undefined };
  const server: RunningFakeServer = await startFakeHttpServer(async ({ request, response }) => {
    if (request.method !== 'POST' || !request.path.endsWith('/embeddings')) {
      return sendJson(response, 404, { error: { message: `Unknown request URL: ${request.path}` } });
    }
    calls += 1;
    const body = request.body as { model: string; input: string | string[] };
    const inputs = Array.isArray(body.input) ? body.input : [body.input];
    const answer = await state.beforeAnswer?.(inputs);
    if (state.failing || answer === 'fail') {
      return sendJson(response, 500, { error: { message: 'The server had an error', type: 'server_error' } });
    }
    return sendJson(response, 200, {
      object: 'list',
      data: (answer === 'short' ? inputs.slice(0, 1) : inputs).map((text, index) => ({
        object: 'embedding',
        index,
        embedding: (state.embedText ?? vectorOf)(text, state.dimensions),
      })),
      model: body.model,
      usage: { prompt_tokens: inputs.length, total_tokens: inputs.length },
    });
  });
  return {
    baseUrl: `${server.url}/v1`,
    callCount: () => calls,
    get failing() {
      return state.failing;
    },
    set failing(value: boolean) {
      state.failing = value;
    },
    get dimensions() {
      return state.dimensions;
    },
    set dimensions(value: number) {
      state.dimensions = value;
    },
    get embedText() {
      return state.embedText;
    },
    set embedText(value) {
      state.embedText = value;
    },
    get beforeAnswer() {
      return state.beforeAnswer;
    },
    set beforeAnswer(value) {
      state.beforeAnswer = value;
    },
    hold() {
      let arrived: () => void = () => undefined;
      const reached = new Promise<void>((resolve) => (arrived = resolve));
      let answer: () => void = () => undefined;
      const released = new Promise<void>((resolve) => (answer = resolve));
      state.beforeAnswer = async () => {
        arrived();
        await released;
        return undefined;
      };
      return {
        reached,
        release: () => {
          state.beforeAnswer = undefined;
          answer();
        },
      };
    },
    close: () => server.close(),
  };
}
