import type { Actor } from '../../../access/actor.js';
import { AppError } from '../../../platform/errors.js';
import type { EvaluationMessage } from '../../../platform/db/schema/index.js';
import type { CaseInput } from './evaluation-sets.schemas.js';

/** A conversation as a case is made from it: its messages, and where the AI handed it to a person. */
export interface TranscriptLine {
  readonly id: string;
  readonly role: 'user' | 'assistant' | 'handoff';
  readonly content: string;
  /** The documents a reply cites, by title. */
  readonly citedSources: readonly string[];
}

/** Reads a conversation the actor may read (404 otherwise), oldest line first. */
export interface ConversationTranscripts {
  chat(actor: Actor, conversationId: string): Promise<readonly TranscriptLine[]>;
  desk(actor: Actor, supportConversationId: string): Promise<readonly TranscriptLine[]>;
}

/** The messages before the question a case keeps: a short conversation, as the cases are. */
const contextMessages = 5;

/**
 * The case a conversation gives: the question (the person's message before the chosen reply, or the
 * last one answered) with up to five messages before it, and what the reply did as the expectation —
 * the documents it cited, and, on the desk, whether the AI handed over. Words are left for a person to add.
 */
export function caseFromTranscript(
  lines: readonly TranscriptLine[],
  messageId: string | undefined,
  isDesk: boolean,
): CaseInput {
  const questionIndex = findQuestion(lines, messageId);
  const following = lines.slice(questionIndex + 1);
  const untilNextQuestion = following.slice(0, indexOrEnd(following.findIndex((line) => line.role === 'user')));
  const reply = untilNextQuestion.find((line) => line.role === 'assistant');
  const messages: EvaluationMessage[] = lines
    .slice(0, questionIndex + 1)
    .filter((line): line is TranscriptLine & { role: 'user' | 'assistant' } => line.role !== 'handoff')
    .slice(-(contextMessages + 1))
    .map((line) => ({ role: line.role, content: line.content }));
  // A conversation may open with the AI's greeting: a case starts with the person.
  while (messages[0]?.role === 'assistant') messages.shift();
  return {
    messages,
    expectedSources: [...new Set(reply?.citedSources ?? [])],
    mustInclude: [],
    mustNotInclude: [],
    expectHandoff: isDesk ? untilNextQuestion.some((line) => line.role === 'handoff') : null,
    maxLength: null,
    note: reply ? `The reply then: ${reply.content.slice(0, 400)}` : '',
  };
}

function findQuestion(lines: readonly TranscriptLine[], messageId: string | undefined): number {
  if (messageId !== undefined) {
    const chosen = lines.findIndex((line) => line.id === messageId);
    if (chosen < 0) throw new AppError('not_found', `Message ${messageId} is not in this conversation`);
    if (lines[chosen]!.role === 'user') return chosen;
    const question = lines.slice(0, chosen).findLastIndex((line) => line.role === 'user');
    if (question < 0) throw new AppError('validation_failed', 'No message of the person comes before that reply');
    return question;
  }
  const answered = lines.findLastIndex(
    (line, index) => line.role === 'user' && lines.slice(index + 1).some((next) => next.role !== 'user'),
  );
  const last = answered >= 0 ? answered : lines.findLastIndex((line) => line.role === 'user');
  if (last < 0)
    throw new AppError('validation_failed', 'This conversation has no message of the person to make a case of');
  return last;
}

const indexOrEnd = (index: number) => (index < 0 ? Number.POSITIVE_INFINITY : index);
