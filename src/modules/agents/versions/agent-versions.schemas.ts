import { z } from 'zod';
import { companionSettingsPatch, companionSettingsSchema } from '../companion-settings.js';
import { modelRefSchema } from '../model-ref-schema.js';
import { toolKeysSchema } from '../tool-catalog.js';
import { settingsFields } from '../agent-settings.js';
import { maxKnowledgeSources } from '../agents.schemas.js';

export const versionParams = z.object({ id: z.uuid(), number: z.coerce.number().int().min(1) });

const noteSchema = z.string().trim().max(500);

/** A draft's settings: what is sent changes the draft (or, with none, the published version); the rest is kept. */
export const saveDraftBody = z
  .strictObject({
    instructions: z.string().max(20_000).optional(),
    model: modelRefSchema.optional(),
    temperature: z.number().min(0).max(2).nullable().optional(),
    maxOutputTokens: z.number().int().min(1).max(1_000_000).nullable().optional(),
    knowledgeSourceIds: z
      .array(z.uuid('must be knowledge source ids (UUIDs)'))
      .max(maxKnowledgeSources, `an agent can answer from at most ${maxKnowledgeSources} knowledge sources`)
      .optional(),
    toolKeys: toolKeysSchema.optional(),
    companion: companionSettingsPatch.optional(),
    /** What changed and why, for whoever reads the history. */
    note: noteSchema.optional(),
  })
  .refine((body) => settingsFields.some((field) => body[field] !== undefined), {
    message: `send at least one of ${settingsFields.join(', ')}`,
  });
export type SaveDraftInput = z.infer<typeof saveDraftBody>;

export const settingsSchema = z.object({
  instructions: z.string(),
  model: z.string(),
  temperature: z.number().nullable(),
  maxOutputTokens: z.number().int().nullable(),
  knowledgeSourceIds: z.array(z.string()),
  toolKeys: z.array(z.string()),
  companion: companionSettingsSchema,
});

const versionState = z.enum(['published', 'draft', 'earlier']);

export const versionSummarySchema = z.object({
  number: z.number().int(),
  /** `published`: what conversations use; `draft`: saved, waiting to be published; `earlier`: neither now. */
  state: versionState,
  note: z.string().nullable(),
  createdBy: z.uuid().nullable(),
  createdAt: z.iso.datetime(),
  /** When it was last published; null if it never was. */
  publishedAt: z.iso.datetime().nullable(),
  publishedBy: z.uuid().nullable(),
  /** The settings that differ from the version before it (all of them for version 1). */
  changed: z.array(z.enum(settingsFields)),
});

export const versionSchema = versionSummarySchema.extend({ agentId: z.uuid(), settings: settingsSchema });
export type AgentVersionView = z.infer<typeof versionSchema>;

export const versionPageSchema = z.object({
  items: z.array(versionSummarySchema),
  /** The number to pass as `before` for the next page; null on the last. */
  nextBefore: z.number().int().nullable(),
});

export const versionListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  before: z.coerce.number().int().min(1).optional(),
});

export const diffQuery = z.strictObject({
  /** The version to compare with; absent: the published one (or, for the published, the one before it). */
  against: z.coerce.number().int().min(1).optional(),
});

const lineSchema = z.object({ kind: z.enum(['added', 'removed', 'same']), text: z.string() });

export const diffSchema = z.object({
  agentId: z.uuid(),
  from: z.number().int(),
  to: z.number().int(),
  changes: z.array(
    z.object({
      field: z.enum(settingsFields),
      before: z.unknown(),
      after: z.unknown(),
      /** For the instructions: the lines, each kept, removed or added. */
      lines: z.array(lineSchema).optional(),
      /** For lists: the items added and removed. */
      added: z.array(z.string()).optional(),
      removed: z.array(z.string()).optional(),
    }),
  ),
});
export type VersionDiff = z.infer<typeof diffSchema>;
