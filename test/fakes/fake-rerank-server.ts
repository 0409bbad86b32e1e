import {
  pause,
  sendJson,
  startFakeHttpServer,
  type RecordedRequest,
  type RunningFakeServer,
} from './fake-http-server.js';

/** What Cohere's `POST /v2/rerank` (and vLLM's or Infinity's `/v1/rerank`) is sent. */
export interface RerankRequestBody {
  readonly model: string;
  readonly query: string;
  readonly documents: string[];
  readonly top_n?: number;
}

export interface FakeRerankServer {
  /** `{url}/v2`, what Cohere's client takes as its base URL (`{url}/v1` works the same). */
  readonly baseUrl: string;
  readonly url: string;
  readonly rerankRequests: () => RerankRequestBody[];
  readonly requests: readonly RecordedRequest[];
  clearRequests(): void;
  /** The relevance the fake gives a document for a query; by default, the share of query words it holds. */
  score: (query: string, document: string) => number;
  /** While set, every request is answered with this status, in Cohere's error format. */
  failWith: number | undefined;
  /** Milliseconds to wait before answering. */
  delayMs: number;
  close(): Promise<void>;
}

const words = (text: string) => text.toLowerCase().match(/[a-z0-9]+/g) ?? [];

export function wordOverlap(query: string, document: string): number {
  const queryWords = new Set(words(query));
  if (queryWords.size === 0) return 0;
  const documentWords = new Set(words(document));
  return [...queryWords].filter((word) => documentWords.has(word)).length / queryWords.size;
}

/** A fake of Cohere's rerank API v2 in its wire format: results best first, each an index and a score. */
export async function startFakeRerankServer(): Promise<FakeRerankServer> {
  const state = {
    score: wordOverlap,
    failWith: undefined as number | undefined,
    delayMs: 0,
  };
  const server: RunningFakeServer = await startFakeHttpServer(async ({ request, response, signal }) => {
    if (request.method !== 'POST' || !request.path.endsWith('/rerank')) {
      return sendJson(response, 404, { message: `Unknown request URL: ${request.path}` });
    }
    if (!(await pause(state.delayMs, signal))) return;
    if (state.failWith !== undefined) {
      return sendJson(response, state.failWith, { message: 'the reranking service is unavailable' });
    }
    const body = request.body as RerankRequestBody;
    const ranked = body.documents
      .map((document, index) => ({ index, relevance_score: state.score(body.query, document) }))
      .sort((a, b) => b.relevance_score - a.relevance_score)
      .slice(0, body.top_n ?? body.documents.length);
    return sendJson(response, 200, {
      id: `rerank-${server.requests.length}`,
      results: ranked,
      meta: { api_version: { version: '2' }, billed_units: { search_units: 1 } },
    });
  });
  return {
    baseUrl: `${server.url}/v2`,
    url: server.url,
    requests: server.requests,
    clearRequests: () => server.clearRequests(),
    rerankRequests: () =>
      server.requests
        .filter((request) => request.path.endsWith('/rerank'))
        .map((request) => request.body as RerankRequestBody),
    get score() {
      return state.score;
    },
    set score(value) {
      state.score = value;
    },
    get failWith() {
      return state.failWith;
    },
    set failWith(value) {
      state.failWith = value;
    },
    get delayMs() {
      return state.delayMs;
    },
    set delayMs(value) {
      state.delayMs = value;
    },
    close: () => server.close(),
  };
}
