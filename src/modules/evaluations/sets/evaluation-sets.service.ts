import type { Actor } from '../../../access/actor.js';
import type { Database, Executor } from '../../../platform/db/client.js';
import { toPage, type Page, type PageRequest } from '../../../platform/db/pagination.js';
import type { EvaluationExpectations, EvaluationMessage } from '../../../platform/db/schema/index.js';
import { conflict, notFound } from '../../../platform/errors.js';
import { newId } from '../../../platform/ids.js';
import { readImportedCases } from './case-import.js';
import { caseFromTranscript, type ConversationTranscripts } from './conversation-case.js';
import type { EvaluationSetsRepository, NewEvaluationCase } from './evaluation-sets.repository.js';
import {
  maxCasesPerSet,
  presentCase,
  presentSet,
  type CaseInput,
  type CaseView,
  type FromConversationInput,
  type SetView,
} from './evaluation-sets.schemas.js';

export interface EvaluationSetsServiceDeps {
  readonly db: Database;
  readonly repository: EvaluationSetsRepository;
  readonly transcripts: ConversationTranscripts;
}

/** A case's question and expectations as stored: `question` alone becomes a one-message conversation. */
function storedCase(input: CaseInput): { messages: EvaluationMessage[]; expectations: EvaluationExpectations } {
  return {
    messages: input.messages ?? [{ role: 'user', content: input.question! }],
    expectations: {
      expectedSources: input.expectedSources,
      mustInclude: input.mustInclude,
      mustNotInclude: input.mustNotInclude,
      expectHandoff: input.expectHandoff,
      maxLength: input.maxLength,
    },
  };
}

/**
 * Evaluation sets (docs/agents.md, "Evaluations"): a tenant's named lists of cases, written by hand,
 * imported from JSONL or CSV, or saved from a chat or desk conversation. Any member may keep them; who
 * may run one against an agent is decided by the agent (evaluation-runs.service.ts).
 */
export function createEvaluationSetsService(deps: EvaluationSetsServiceDeps) {
  const { db, repository } = deps;

  async function findSet(tenantId: string, id: string) {
    const row = await repository.findSet(db, tenantId, id);
    if (!row) throw notFound('Evaluation set', id);
    return row;
  }

  /** Adds cases under the set's lock, so two imports at once cannot pass the bound together. */
  async function addCases(
    actor: Actor,
    setId: string,
    inputs: readonly CaseInput[],
    origin: NewEvaluationCase['origin'],
    sourceConversationId: string | null = null,
  ) {
    return db.transaction(async (tx) => {
      if (!(await repository.findSetForUpdate(tx, actor.tenantId, setId))) throw notFound('Evaluation set', setId);
      const existing = (await repository.caseCounts(tx, actor.tenantId, [setId])).get(setId) ?? 0;
      if (existing + inputs.length > maxCasesPerSet) {
        throw conflict(
          `A set holds at most ${maxCasesPerSet} cases; this one has ${existing} and ${inputs.length} more would pass that. Make another set`,
        );
      }
      const now = Date.now();
      const rows = await repository.insertCases(
        tx,
        inputs.map((input, index) => ({
          id: newId(),
          tenantId: actor.tenantId,
          setId,
          ...storedCase(input),
          note: input.note,
          origin,
          sourceConversationId,
          // A millisecond apart each, so the cases keep the file's order.
          createdAt: new Date(now + index),
        })),
      );
      return { rows, caseCount: existing + rows.length };
    });
  }

  return {
    async createSet(actor: Actor, input: { name: string; description: string }): Promise<SetView> {
      const row = await repository.insertSet(db, {
        id: newId(),
        tenantId: actor.tenantId,
        ...input,
        createdBy: actor.userId,
      });
      return presentSet(row, 0);
    },

    async listSets(actor: Actor, page: PageRequest): Promise<Page<SetView>> {
      const rows = await repository.listSets(db, actor.tenantId, page);
      const counts = await repository.caseCounts(
        db,
        actor.tenantId,
        rows.map((entry) => entry.row.id),
      );
      return toPage(rows, page.limit, (row) => presentSet(row, counts.get(row.id) ?? 0));
    },

    async getSet(actor: Actor, id: string): Promise<SetView> {
      const row = await findSet(actor.tenantId, id);
      return presentSet(row, (await repository.caseCounts(db, actor.tenantId, [id])).get(id) ?? 0);
    },

    async updateSet(actor: Actor, id: string, patch: { name?: string | undefined; description?: string | undefined }) {
      const row = await repository.updateSet(db, actor.tenantId, id, {
        ...(patch.name !== undefined && { name: patch.name }),
        ...(patch.description !== undefined && { description: patch.description }),
      });
      if (!row) throw notFound('Evaluation set', id);
      return presentSet(row, (await repository.caseCounts(db, actor.tenantId, [id])).get(id) ?? 0);
    },

    /** Its runs stay, with the cases they read; a gate that named it goes with it. */
    async deleteSet(actor: Actor, id: string): Promise<void> {
      if (!(await repository.deleteSet(db, actor.tenantId, id))) throw notFound('Evaluation set', id);
    },

    async listCases(actor: Actor, setId: string, page: PageRequest): Promise<Page<CaseView>> {
      await findSet(actor.tenantId, setId);
      return toPage(await repository.listCases(db, actor.tenantId, setId, page), page.limit, presentCase);
    },

    async addCase(actor: Actor, setId: string, input: CaseInput): Promise<CaseView> {
      const { rows } = await addCases(actor, setId, [input], 'manual');
      return presentCase(rows[0]!);
    },

    async replaceCase(actor: Actor, setId: string, caseId: string, input: CaseInput): Promise<CaseView> {
      const row = await repository.updateCase(db, actor.tenantId, setId, caseId, {
        ...storedCase(input),
        note: input.note,
      });
      if (!row) throw notFound('Evaluation case', caseId);
      return presentCase(row);
    },

    async deleteCase(actor: Actor, setId: string, caseId: string): Promise<void> {
      if (!(await repository.deleteCase(db, actor.tenantId, setId, caseId))) throw notFound('Evaluation case', caseId);
    },

    async importCases(actor: Actor, setId: string, input: { format: 'jsonl' | 'csv'; content: string }) {
      await findSet(actor.tenantId, setId);
      const cases = readImportedCases(input.format, input.content);
      const { rows, caseCount } = await addCases(actor, setId, cases, 'import');
      return { imported: rows.length, caseCount };
    },

    /** One click in a chat or on the desk: the conversation's question and what its reply did, as a case. */
    async caseFromConversation(actor: Actor, setId: string, input: FromConversationInput): Promise<CaseView> {
      await findSet(actor.tenantId, setId);
      const isDesk = input.supportConversationId !== undefined;
      const lines = isDesk
        ? await deps.transcripts.desk(actor, input.supportConversationId!)
        : await deps.transcripts.chat(actor, input.conversationId!);
      const made = caseFromTranscript(lines, input.messageId, isDesk);
      const source = input.supportConversationId ?? input.conversationId!;
      const { rows } = await addCases(actor, setId, [made], 'conversation', source);
      return presentCase(rows[0]!);
    },

    /** The set's cases as a run reads them, oldest first (404 for another tenant's set). */
    async casesForRun(executor: Executor, tenantId: string, setId: string) {
      const set = await repository.findSet(executor, tenantId, setId);
      if (!set) throw notFound('Evaluation set', setId);
      return { set, cases: await repository.allCases(executor, tenantId, setId) };
    },
  };
}

export type EvaluationSetsService = ReturnType<typeof createEvaluationSetsService>;
