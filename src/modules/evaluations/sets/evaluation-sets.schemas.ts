import { z } from 'zod';
import type { EvaluationCaseRow, EvaluationSetRow } from './evaluation-sets.repository.js';

export const maxCasesPerSet = 2_000;
const maxMessages = 20;
const words = z.array(z.string().trim().min(1, 'must not be empty').max(200)).max(20, 'at most 20 words or phrases');

const messageInput = z.strictObject({
  role: z.enum(['user', 'assistant']),
  content: z.string().trim().min(1, 'must not be empty').max(8_000),
});

/**
 * A case: the question alone (`question`), or a short conversation ending with the person's message
 * (`messages`), and what a good answer does. Only the expectations given are checked.
 */
export const caseInput = z
  .strictObject({
    question: z.string().trim().min(1, 'must not be empty').max(8_000).optional(),
    messages: z.array(messageInput).min(1).max(maxMessages, `at most ${maxMessages} messages`).optional(),
    /** Documents a good answer cites, by title or id. */
    expectedSources: z.array(z.string().trim().min(1).max(300)).max(20).default([]),
    mustInclude: words.default([]),
    mustNotInclude: words.default([]),
    expectHandoff: z.boolean().nullable().default(null),
    maxLength: z.number().int().min(1).max(100_000).nullable().default(null),
    note: z.string().trim().max(500).default(''),
  })
  .superRefine((input, context) => {
    if ((input.question === undefined) === (input.messages === undefined)) {
      context.addIssue({ code: 'custom', path: ['question'], message: 'give either question or messages' });
    } else if (input.messages && input.messages.at(-1)?.role !== 'user') {
      context.addIssue({
        code: 'custom',
        path: ['messages'],
        message: "the last message must be the person's (role user)",
      });
    }
  });
export type CaseInput = z.infer<typeof caseInput>;

export const caseSchema = z.object({
  id: z.uuid(),
  setId: z.uuid(),
  messages: z.array(z.object({ role: z.enum(['user', 'assistant']), content: z.string() })),
  expectedSources: z.array(z.string()),
  mustInclude: z.array(z.string()),
  mustNotInclude: z.array(z.string()),
  expectHandoff: z.boolean().nullable(),
  maxLength: z.number().int().nullable(),
  note: z.string(),
  /** `manual`, `import` or `conversation` (saved from a chat or desk conversation). */
  origin: z.enum(['manual', 'import', 'conversation']),
  sourceConversationId: z.uuid().nullable(),
  createdAt: z.iso.datetime(),
});
export type CaseView = z.infer<typeof caseSchema>;

export const setInput = z.strictObject({
  name: z.string().trim().min(1, 'must not be empty').max(200),
  description: z.string().trim().max(2_000).default(''),
});
export const setPatch = z
  .strictObject({ name: setInput.shape.name.optional(), description: z.string().trim().max(2_000).optional() })
  .refine((patch) => patch.name !== undefined || patch.description !== undefined, {
    message: 'send at least one of name, description',
  });

export const setSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  description: z.string(),
  caseCount: z.number().int(),
  createdBy: z.uuid().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type SetView = z.infer<typeof setSchema>;

export const caseParams = z.object({ id: z.uuid(), caseId: z.uuid() });

/** JSONL (one case per line, as `caseInput`) or CSV (a header row naming the columns): all or nothing. */
export const importBody = z.strictObject({
  format: z.enum(['jsonl', 'csv']),
  content: z.string().min(1, 'must not be empty').max(5_000_000, 'at most 5 MB; split the file'),
});
export const importResultSchema = z.object({ imported: z.number().int(), caseCount: z.number().int() });

/** A case from a conversation: a chat (`conversationId`) or the desk's (`supportConversationId`). */
export const fromConversationBody = z
  .strictObject({
    conversationId: z.uuid().optional(),
    supportConversationId: z.uuid().optional(),
    /** The reply (or question) the case ends at; absent: the last question that has a reply. */
    messageId: z.uuid().optional(),
  })
  .refine((body) => (body.conversationId === undefined) !== (body.supportConversationId === undefined), {
    message: 'give either conversationId or supportConversationId',
    path: ['conversationId'],
  });
export type FromConversationInput = z.infer<typeof fromConversationBody>;

export function presentSet(row: EvaluationSetRow, caseCount: number): SetView {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    caseCount,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function presentCase(row: EvaluationCaseRow): CaseView {
  return {
    id: row.id,
    setId: row.setId,
    messages: row.messages,
    ...row.expectations,
    expectedSources: [...row.expectations.expectedSources],
    mustInclude: [...row.expectations.mustInclude],
    mustNotInclude: [...row.expectations.mustNotInclude],
    note: row.note,
    origin: row.origin,
    sourceConversationId: row.sourceConversationId,
    createdAt: row.createdAt.toISOString(),
  };
}
