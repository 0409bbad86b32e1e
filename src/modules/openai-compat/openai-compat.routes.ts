import type { App } from '../../platform/http/types.js';
import { actorOf } from '../../platform/http/types.js';
import { registerOpenAIErrorHandler } from './openai-errors.js';
import {
  chatCompletionBody,
  chatCompletionSchema,
  modelParams,
  openAIModelListSchema,
  openAIModelSchema,
} from './openai-compat.schemas.js';
import type { OpenAICompatService } from './openai-compat.service.js';
import { abortWhenClientLeaves, streamCompletion } from './openai-stream.js';

const tags = ['openai-compatible'];
const security = [{ bearer: [] }];

export interface OpenAICompatRouteOptions {
  readonly heartbeatMs: number;
}

/** Registered in their own scope, so only these routes answer errors in OpenAI's shape. */
/** These routes answer errors in OpenAI's shape (openai-errors.ts), which OpenAI's clients read. */
const openAIDocs = { errors: 'openai' } as const;

export async function registerOpenAICompatRoutes(
  app: App,
  service: OpenAICompatService,
  options: OpenAICompatRouteOptions,
): Promise<void> {
  await app.register(async (scope: App) => {
    registerOpenAIErrorHandler(scope);

    scope.get('/v1/models', {
      config: { access: 'authenticated', docs: openAIDocs },
      schema: {
        tags,
        security,
        summary:
          'The agents you can use, as OpenAI models (id = agent id; the name works too): the 500 newest, as the list has no pages',
        response: { 200: openAIModelListSchema },
      },
      handler: (request) => service.listModels(actorOf(request)),
    });

    scope.get('/v1/models/:model', {
      config: { access: 'authenticated', docs: openAIDocs },
      schema: {
        tags,
        security,
        summary: 'One agent you can use, as an OpenAI model, by its id or its name',
        params: modelParams,
        response: { 200: openAIModelSchema },
      },
      handler: (request) => service.findModel(actorOf(request), request.params.model),
    });

    scope.post('/v1/chat/completions', {
      config: {
        access: 'authenticated',
        docs: {
          ...openAIDocs,
          otherAnswers: {
            200: {
              description: 'with `stream: true`, chat.completion.chunk events ending in `[DONE]`',
              mediaType: 'text/event-stream',
            },
          },
        },
      },
      schema: {
        tags,
        security,
        summary: 'OpenAI Chat Completions with an agent as the model (stateless: nothing is stored)',
        body: chatCompletionBody,
        response: { 200: chatCompletionSchema },
      },
      handler: async (request, reply) => {
        const actor = actorOf(request);
        const clientLeft = abortWhenClientLeaves(reply).signal;
        if (!request.body.stream) return service.complete(actor, request.body, clientLeft);
        const completion = await service.prepare(actor, request.body, clientLeft);
        const includeUsage = request.body.stream_options?.include_usage === true;
        return streamCompletion(reply, completion, { includeUsage, heartbeatMs: options.heartbeatMs, clientLeft });
      },
    });
  });
}
