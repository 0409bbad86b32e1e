import { z } from 'zod';

const maxContentChars = 100_000;

const contentPart = z.object({
  type: z.string().max(50),
  text: z.string().max(maxContentChars).optional(),
});

const chatMessage = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
  content: z.union([z.string().max(maxContentChars), z.array(contentPart).max(100), z.null()]).optional(),
  name: z.string().max(200).optional(),
});
export type OpenAIChatMessage = z.infer<typeof chatMessage>;

const maxTokens = z.number().int().min(1).max(1_000_000).nullable().optional();

/**
 * The Chat Completions request, as the official clients send it. Unknown fields are ignored (clients
 * add new ones all the time); fields whose meaning we cannot honour are refused by the service.
 */
export const chatCompletionBody = z.object({
  /** An agent's id or name. */
  model: z.string().min(1).max(200),
  messages: z.array(chatMessage).min(1, 'must contain at least one message').max(1000),
  stream: z.boolean().nullable().optional(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  max_tokens: maxTokens,
  max_completion_tokens: maxTokens,
  n: z.number().int().min(1).max(1, 'only 1 choice is supported').nullable().optional(),
  tools: z.array(z.unknown()).max(0, 'tools are not supported on this endpoint').nullable().optional(),
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

export const openAIModelListSchema = z.object({ object: z.literal('list'), data: z.array(openAIModelSchema) });

const usageSchema = z.object({
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  total_tokens: z.number().int(),
  completion_tokens_details: z.object({ reasoning_tokens: z.number().int() }).optional(),
});
export type OpenAIUsage = z.infer<typeof usageSchema>;

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
      }),
      logprobs: z.null(),
      finish_reason: z.enum(['stop', 'length', 'content_filter', 'tool_calls']),
    }),
  ),
  usage: usageSchema,
});
export type ChatCompletionView = z.infer<typeof chatCompletionSchema>;
