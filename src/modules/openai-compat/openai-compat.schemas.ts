import { z } from 'zod';

const maxContentChars = 100_000;

const contentPart = z.object({
  type: z.string().max(50),
  text: z.string().max(maxContentChars).optional(),
});

/**
 * A field whose meaning no agent can honour here: accepted only absent, null or at its "off" value;
 * anything else is refused with `why`, rather than answered as if it had been applied.
 */
const refusedUnless = (isOff: (value: unknown) => boolean, why: string) =>
  z
    .unknown()
    .refine((value) => value === undefined || value === null || isOff(value), why)
    .optional();
const never = () => false;
const isEmptyArray = (value: unknown) => Array.isArray(value) && value.length === 0;
const isEmptyObject = (value: unknown) =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0;

const chatMessage = z
  .object({
    role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
    content: z
      .union([z.string().max(maxContentChars), z.array(contentPart).max(100), z.null()], {
        error: 'must be text or a list of content parts such as {"type": "text", "text": "…"}',
      })
      .optional(),
    name: z.string().max(200).optional(),
    // A client's own tools cannot run here: their calls in the history would have no results to go with.
    tool_calls: refusedUnless(isEmptyArray, 'tool calls are not supported, since agents here do not take client tools'),
  })
  // As OpenAI's API: only an assistant's message may go without content (it said nothing, or called tools).
  .refine((message) => message.role === 'assistant' || (message.content !== undefined && message.content !== null), {
    message: 'is required for this role (only an assistant message may leave it out or null)',
    path: ['content'],
  });
export type OpenAIChatMessage = z.infer<typeof chatMessage>;

const maxTokens = z.number().int().min(1).max(1_000_000).nullable().optional();

const responseFormat = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    json_schema: z.object({
      name: z.string().min(1).max(64),
      description: z.string().max(1000).optional(),
      schema: z.record(z.string(), z.unknown(), { error: 'must be a JSON Schema object' }).optional(),
      strict: z.boolean().nullable().optional(),
    }),
  }),
]);

/**
 * The Chat Completions request, as the official clients send it. Settings that shape the reply go to
 * the agent's model; fields that only describe the caller (`user`, `metadata`, `store`, `service_tier`)
 * and unknown ones are ignored (clients add new ones all the time); fields whose meaning no agent here
 * can honour are refused, naming the field, rather than silently dropped.
 */
export const chatCompletionBody = z
  .object({
    /** An agent's id or name. */
    model: z.string().min(1).max(200),
    messages: z.array(chatMessage).min(1, 'must contain at least one message').max(1000),
    stream: z.boolean().nullable().optional(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).nullable().optional(),
    temperature: z.number().min(0).max(2).nullable().optional(),
    max_tokens: maxTokens,
    max_completion_tokens: maxTokens,
    n: z.number().int().min(1).max(1, 'only 1 choice is supported').nullable().optional(),
    tools: refusedUnless(isEmptyArray, 'tools are not supported on this endpoint'),
    top_p: z.number().min(0).max(1).nullable().optional(),
    stop: z
      .union([z.string().min(1).max(1000), z.array(z.string().min(1).max(1000)).max(4)], {
        error: 'must be a stop sequence or a list of at most 4 stop sequences, each 1 to 1000 characters',
      })
      .nullable()
      .optional(),
    seed: z.number().int().nullable().optional(),
    frequency_penalty: z.number().min(-2).max(2).nullable().optional(),
    presence_penalty: z.number().min(-2).max(2).nullable().optional(),
    response_format: responseFormat.nullable().optional(),
    tool_choice: refusedUnless((value) => value === 'none', 'tools are not supported on this endpoint'),
    functions: refusedUnless(isEmptyArray, 'functions are not supported on this endpoint'),
    function_call: refusedUnless((value) => value === 'none', 'functions are not supported on this endpoint'),
    logprobs: refusedUnless((value) => value === false, 'log probabilities are not available through agents'),
    top_logprobs: refusedUnless(never, 'log probabilities are not available through agents'),
    logit_bias: refusedUnless(isEmptyObject, "token biases are not supported: an agent's model may be any provider's"),
    modalities: refusedUnless(
      (value) => Array.isArray(value) && value.every((modality) => modality === 'text'),
      'only text output is supported',
    ),
    audio: refusedUnless(never, 'audio output is not supported'),
    prediction: refusedUnless(never, 'predicted outputs are not supported'),
    web_search_options: refusedUnless(
      never,
      'web search is not offered here; give the agent a tool or a knowledge source',
    ),
    reasoning_effort: refusedUnless(
      never,
      "the agent's model settings decide how it reasons; leave reasoning_effort out",
    ),
  })
  // As OpenAI's API and vLLM: the options of a stream that was not asked for are a caller's mistake.
  .refine((body) => body.stream === true || body.stream_options == null, {
    message: 'is only allowed when stream is true',
    path: ['stream_options'],
  });
export type ChatCompletionInput = z.infer<typeof chatCompletionBody>;

export const openAIModelSchema = z.object({
  id: z.string(),
  object: z.literal('model'),
  created: z.number().int(),
  owned_by: z.string(),
  /** Not in OpenAI's object: the agent's name, which `model` also accepts. */
  name: z.string(),
});

export const modelParams = z.object({ model: z.string().min(1).max(200) });

export const openAIModelListSchema = z.object({ object: z.literal('list'), data: z.array(openAIModelSchema) });

const usageSchema = z.object({
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  total_tokens: z.number().int(),
  completion_tokens_details: z.object({ reasoning_tokens: z.number().int() }).optional(),
});
export type OpenAIUsage = z.infer<typeof usageSchema>;

/**
 * A passage an agent with knowledge sources was given, as Azure OpenAI's "On Your Data" puts them in
 * `message.context.citations`: OpenAI's format has no place for them, and without them a client reads
 * [1] in the reply with nothing to resolve it to.
 */
export const openAICitationSchema = z.object({
  /** The [n] the reply cites it by. */
  marker: z.number().int(),
  title: z.string(),
  /** The passage (or its opening). */
  content: z.string(),
  document_id: z.string(),
  source_id: z.string(),
  chunk_id: z.string(),
  page: z.number().int().nullable(),
  heading_path: z.array(z.string()),
});
export type OpenAICitation = z.infer<typeof openAICitationSchema>;

/** Present only for an agent with knowledge sources: every passage it was given, whether cited or not. */
const citationsContextSchema = z.object({ citations: z.array(openAICitationSchema) });

export const chatCompletionSchema = z.object({
  id: z.string(),
  object: z.literal('chat.completion'),
  created: z.number().int(),
  model: z.string(),
  choices: z.array(
    z.object({
      index: z.number().int(),
      message: z.object({
        role: z.literal('assistant'),
        content: z.string(),
        refusal: z.null(),
        reasoning_content: z.string().optional(),
        context: citationsContextSchema.optional(),
      }),
      logprobs: z.null(),
      finish_reason: z.enum(['stop', 'length', 'content_filter', 'tool_calls']),
    }),
  ),
  /** Left out when the provider reported no usage: unknown is not zero. */
  usage: usageSchema.optional(),
});
export type ChatCompletionView = z.infer<typeof chatCompletionSchema>;
