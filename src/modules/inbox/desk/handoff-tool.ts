import { z } from 'zod';
import type { Database } from '../../../platform/db/client.js';
import { AppError } from '../../../platform/errors.js';
import type { BuiltinTool } from '../../chat/index.js';
import type { DeskMessagesRepository } from './desk-messages.repository.js';
import type { SupportService } from '../support/support.service.js';

export interface HandoffToolDeps {
  readonly db: Database;
  readonly repository: Pick<DeskMessagesRepository, 'findForAiTurn'>;
  readonly support: Pick<SupportService, 'change'>;
}

const handoffInput = z.object({ reason: z.string().trim().min(1, 'reason must not be empty').max(500) });

/** What the contact reads when the AI hands them over: the reply ends with it. */
export const handoffLine = 'I am passing you to a person from our team; they will reply here shortly.';

/**
 * The inbox's "no answer" form, told where the model reads what this tool is for: a model that does not
 * call tools reliably can still say it cannot help in a form Parley recognises (no-answer-form.ts).
 */
const noAnswerInstruction = (noAnswerReply: string): string =>
  noAnswerReply === ''
    ? ''
    : ` If you cannot answer and do not call this tool, reply exactly "${noAnswerReply}" and nothing else.`;

/** What a model is told of the handoff: the desk's tool, and an evaluation's (which only records the call). */
export const handoffDeclaration = {
  name: 'handoff_to_human',
  description:
    'Hands this customer conversation to a human support agent. Call it when the customer asks for a person, ' +
    'or when you cannot help them from what you know. Give the reason in a few words.',
  inputSchema: {
    type: 'object',
    properties: { reason: { type: 'string', description: 'Why a person should take over, in a few words' } },
    required: ['reason'],
    additionalProperties: false,
  },
};

function handoffTool(
  deps: HandoffToolDeps,
  tenantId: string,
  support: { readonly id: string; readonly noAnswerReply: string },
): BuiltinTool {
  const supportConversationId = support.id;
  return {
    ...handoffDeclaration,
    description: handoffDeclaration.description + noAnswerInstruction(support.noAnswerReply),
    closingLine: handoffLine,
    async execute(input) {
      const parsed = handoffInput.safeParse(input);
      if (!parsed.success)
        throw new Error(`Invalid arguments for handoff_to_human: ${parsed.error.issues[0]?.message}`);
      try {
        await deps.support.change(
          tenantId,
          supportConversationId,
          { kind: 'ai' },
          { action: 'request_human', reason: parsed.data.reason },
        );
      } catch (error) {
        // A person was asked for, or took it, a moment ago: the customer is in hand either way.
        if (error instanceof AppError && error.code === 'conflict')
          return { handedOver: true, note: 'already with a person' };
        throw error;
      }
      return { handedOver: true };
    },
  };
}

/**
 * ChatTurnDeps.conversationTools: a support conversation the AI still answers (`bot`) gets
 * `handoff_to_human`; every other conversation gets nothing (one lookup on a unique index).
 */
export function createConversationTools(deps: HandoffToolDeps) {
  return async (tenantId: string, conversationId: string): Promise<readonly BuiltinTool[]> => {
    const support = await deps.repository.findForAiTurn(deps.db, tenantId, conversationId);
    if (support?.status !== 'bot') return [];
    return [handoffTool(deps, tenantId, support)];
  };
}
