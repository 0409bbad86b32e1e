import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Actor } from '../../../access/actor.js';
import { requireAdmin } from '../../../access/require-access.js';
import type { Database, Executor } from '../../../platform/db/client.js';
import { isUniqueViolation } from '../../../platform/db/errors.js';
import { cannedResponses } from '../../../platform/db/schema/index.js';
import { inTenant } from '../../../platform/db/tenant-scope.js';
import { conflict, notFound } from '../../../platform/errors.js';
import { patchBody } from '../../../platform/http/common-schemas.js';
import { newId } from '../../../platform/ids.js';

/** What an operator types after `/` to insert it: `refund`, `opening-hours`. */
const shortcodeSchema = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, "must be 1–32 lowercase letters, digits, - or _ (typed as '/refund')");
const contentSchema = z.string().trim().min(1).max(5000);

export const createCannedResponseBody = z.strictObject({ shortcode: shortcodeSchema, content: contentSchema });
export const updateCannedResponseBody = patchBody({
  shortcode: shortcodeSchema.optional(),
  content: contentSchema.optional(),
});
export const cannedResponseSchema = z.object({
  id: z.uuid(),
  shortcode: z.string(),
  content: z.string(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export const cannedResponseListSchema = z.object({ items: z.array(cannedResponseSchema) });

type StoredCannedResponse = typeof cannedResponses.$inferSelect;
const present = (row: StoredCannedResponse): z.infer<typeof cannedResponseSchema> => ({
  id: row.id,
  shortcode: row.shortcode,
  content: row.content,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

/** Enough for any desk's picker, listed at once in shortcode order. */
const maxCannedResponses = 1000;

export function createCannedResponsesRepository() {
  return {
    list: (db: Executor, tenantId: string) =>
      db
        .select()
        .from(cannedResponses)
        .where(inTenant(cannedResponses, tenantId))
        .orderBy(cannedResponses.shortcode)
        .limit(maxCannedResponses),
    async insert(db: Executor, row: typeof cannedResponses.$inferInsert) {
      const [inserted] = await db.insert(cannedResponses).values(row).returning();
      return inserted!;
    },
    async update(db: Executor, tenantId: string, id: string, changes: { shortcode?: string; content?: string }) {
      const [row] = await db
        .update(cannedResponses)
        .set({ ...changes, updatedAt: new Date() })
        .where(inTenant(cannedResponses, tenantId, eq(cannedResponses.id, id)))
        .returning();
      return row;
    },
    async remove(db: Executor, tenantId: string, id: string) {
      const rows = await db
        .delete(cannedResponses)
        .where(inTenant(cannedResponses, tenantId, eq(cannedResponses.id, id)))
        .returning({ id: cannedResponses.id });
      return rows.length === 1;
    },
  };
}

const shortcodeTaken = (shortcode: string) =>
  conflict(`The shortcode '/${shortcode}' is already used by another canned response; choose another`);

/** The unique index on (tenant, shortcode) decides between two writers; the loser hears which shortcode. */
async function savingShortcode<T>(shortcode: string | undefined, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (shortcode && isUniqueViolation(error, 'canned_responses_tenant_shortcode_unique')) {
      throw shortcodeTaken(shortcode);
    }
    throw error;
  }
}

export function createCannedResponsesService(deps: {
  readonly db: Database;
  readonly repository: ReturnType<typeof createCannedResponsesRepository>;
}) {
  const { db, repository } = deps;
  return {
    async list(actor: Actor) {
      return { items: (await repository.list(db, actor.tenantId)).map(present) };
    },
    async create(actor: Actor, input: { shortcode: string; content: string }) {
      requireAdmin(actor);
      const row = await savingShortcode(input.shortcode, () =>
        repository.insert(db, { id: newId(), tenantId: actor.tenantId, createdBy: actor.userId, ...input }),
      );
      return present(row);
    },
    async update(actor: Actor, id: string, input: { shortcode?: string | undefined; content?: string | undefined }) {
      requireAdmin(actor);
      const changes = {
        ...(input.shortcode !== undefined && { shortcode: input.shortcode }),
        ...(input.content !== undefined && { content: input.content }),
      };
      const row = await savingShortcode(input.shortcode, () => repository.update(db, actor.tenantId, id, changes));
      if (!row) throw notFound('Canned response', id);
      return present(row);
    },
    async remove(actor: Actor, id: string) {
      requireAdmin(actor);
      if (!(await repository.remove(db, actor.tenantId, id))) throw notFound('Canned response', id);
    },
  };
}

export type CannedResponsesService = ReturnType<typeof createCannedResponsesService>;
