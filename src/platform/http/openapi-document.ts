import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { errorStatusByCode } from '../errors.js';

/**
 * What a route's Zod schemas cannot tell the published document (route `config.docs`). Only the document
 * reads it; requests and responses are still validated and serialised by the route's own schemas.
 */
export interface RouteDocs {
  /** Answers in another form than the route's JSON: an event stream, a file's bytes, plain text. */
  readonly otherAnswers?: Readonly<Record<string, { readonly description: string; readonly mediaType: string }>>;
  /** The route's errors, when they are not problem+json: OpenAI's shape, or JSON-RPC's besides problem+json. */
  readonly errors?: 'openai' | 'json-rpc';
  /** A multipart upload: the one file field it reads as a stream (the route has no body schema to show). */
  readonly uploadField?: string;
}

/** The body of every error answer (error-handler.ts `problemBody`), as JSON Schema for the docs. */
const problemSchema = {
  type: 'object',
  required: ['type', 'title', 'status', 'code', 'detail', 'requestId'],
  properties: {
    type: { type: 'string', format: 'uri', description: 'Identifies the kind of problem' },
    title: { type: 'string' },
    status: { type: 'integer' },
    code: { type: 'string', enum: Object.keys(errorStatusByCode) },
    detail: { type: 'string', description: 'What went wrong, in a sentence a person can act on' },
    instance: { type: 'string', description: 'The path of the request' },
    requestId: { type: 'string', description: 'Quote it when reporting a problem' },
    errors: {
      type: 'array',
      description: 'The fields that failed validation',
      items: {
        type: 'object',
        required: ['field', 'message'],
        properties: { field: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
} as const;

/** OpenAI's error body (openai-compat/openai-errors.ts), which its client libraries turn into exceptions. */
const openAIErrorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['message', 'type', 'param', 'code'],
      properties: {
        message: { type: 'string' },
        type: { type: 'string' },
        param: { type: ['string', 'null'] },
        code: { type: ['string', 'null'] },
      },
    },
  },
} as const;

/** A JSON-RPC error, as the MCP endpoint answers what MCP itself refuses. */
const jsonRpcErrorSchema = {
  type: 'object',
  required: ['jsonrpc', 'error'],
  properties: {
    jsonrpc: { const: '2.0' },
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'integer' }, message: { type: 'string' } },
    },
    id: { type: ['string', 'integer', 'null'] },
  },
} as const;

function errorResponse(description: string, shape: RouteDocs['errors']) {
  if (shape === 'openai') return { description, content: { 'application/json': { schema: openAIErrorSchema } } };
  const content: Record<string, { schema: object }> = { 'application/problem+json': { schema: problemSchema } };
  if (shape === 'json-rpc') content['application/json'] = { schema: jsonRpcErrorSchema };
  return { description, content };
}

/** An answer's JSON schema as OpenAPI content, so that another media type can join it under its status. */
function withOtherAnswer(
  existing: unknown,
  other: { description: string; mediaType: string },
): { description: string; content: Record<string, { schema: object }> } {
  const content: Record<string, { schema: object }> = {};
  let description = other.description;
  if (existing && typeof existing === 'object') {
    const schema = existing as { description?: string };
    content['application/json'] = { schema };
    description = `${schema.description ?? 'JSON'}; or ${other.description}`;
  }
  content[other.mediaType] = { schema: { type: 'string' } };
  return { description, content };
}

/** `POST /v1/conversations/:id/messages` → `postConversationsByIdMessages`: unique, and stable while the route is. */
export function operationIdOf(method: string, url: string): string {
  const words = url
    .split('/')
    .filter((segment) => segment !== '' && segment !== 'v1')
    .flatMap((segment) => (segment.startsWith(':') ? ['by', segment.slice(1)] : segment.split(/[-_.]/)));
  const capitalised = words.map((word) => word.charAt(0).toUpperCase() + word.slice(1));
  return `${method.toLowerCase()}${capitalised.join('')}`;
}

type Transform = typeof jsonSchemaTransform;

/**
 * The Zod transform, then what the document needs besides: an operationId, every operation's error
 * answers (a 4XX and a 5XX, in RFC 9457's `application/problem+json` unless the route says otherwise),
 * and the answers and upload bodies the route's `config.docs` describes.
 */
export const transformForDocs: Transform = (input) => {
  const transformed = jsonSchemaTransform(input);
  const schema = transformed.schema as { response?: Record<string, unknown>; hide?: boolean };
  if (schema.hide) return transformed;
  const route = input.route as { method: string | string[]; config?: { docs?: RouteDocs } } | undefined;
  const docs = route?.config?.docs ?? {};
  const method = [route?.method ?? 'get'].flat()[0]!;
  const response: Record<string, unknown> = { ...schema.response };
  for (const [status, other] of Object.entries(docs.otherAnswers ?? {})) {
    response[status] = withOtherAnswer(response[status], other);
  }
  return {
    ...transformed,
    schema: {
      ...transformed.schema,
      operationId: operationIdOf(method, transformed.url),
      ...(docs.uploadField && {
        consumes: ['multipart/form-data'],
        body: {
          type: 'object',
          required: [docs.uploadField],
          properties: { [docs.uploadField]: { type: 'string', format: 'binary' } },
        },
      }),
      response: {
        ...response,
        '4XX': errorResponse('The request was refused: the body says why and what to change', docs.errors),
        '5XX': errorResponse(
          'The server or a model provider failed: quote the requestId when reporting it',
          docs.errors,
        ),
      },
    },
  };
};
