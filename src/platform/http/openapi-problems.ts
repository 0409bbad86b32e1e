import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { errorStatusByCode } from '../errors.js';

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

const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: problemSchema } },
});

type Transform = typeof jsonSchemaTransform;

/**
 * The Zod transform, then every operation's error answers: a 4XX and a 5XX in RFC 9457's
 * `application/problem+json`, the one shape every error takes (error-handler.ts).
 * Only the published document changes; responses are still serialised by the routes' own schemas.
 */
export const transformWithProblems: Transform = (input) => {
  const transformed = jsonSchemaTransform(input);
  const schema = transformed.schema as { response?: Record<string, unknown>; hide?: boolean };
  if (schema.hide) return transformed;
  return {
    ...transformed,
    schema: {
      ...transformed.schema,
      response: {
        ...schema.response,
        '4XX': problemResponse('The request was refused: the problem says why and what to change'),
        '5XX': problemResponse('The server or a model provider failed: quote the requestId when reporting it'),
      },
    },
  };
};
