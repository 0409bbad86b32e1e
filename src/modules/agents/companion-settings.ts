import { z } from 'zod';
import { modelRefSchema } from './model-ref-schema.js';

/**
 * An agent's companion features (docs/companion.md). Stored as JSON on the agent; what is absent takes
 * its default, so agents made before a setting existed read as if they had it at its default.
 */
export const companionSettingsSchema = z.strictObject({
  /** Readers' receipts shown to the other side (`readAt`, the live `read` event). */
  readReceipts: z.boolean().default(true),
  /** A summary after every `summaryEveryTurns` user turns. */
  summaries: z.boolean().default(true),
  summaryEveryTurns: z.number().int().min(2).max(1000).default(10),
  /** Short facts about each user, kept across conversations with this agent. */
  memory: z.boolean().default(false),
  /**
   * Answers in several bubbles: the model returns a list of short messages (offline: its paragraphs),
   * each stored as a message of its own in the same turn, shown after a typing pause.
   */
  splitReplies: z.boolean().default(false),
  splitMaxBubbles: z.number().int().min(2).max(10).default(4),
  /** The pause before each bubble after the first: this many milliseconds per character, capped. */
  typingMsPerChar: z.number().int().min(0).max(200).default(25),
  typingMaxPauseMs: z.number().int().min(0).max(10_000).default(2_500),
  /** Suggestions to adapt the personality to how a user talks, reviewed by a person (never applied silently). */
  personalitySuggestions: z.boolean().default(false),
  suggestionAfterTurns: z.number().int().min(2).max(1000).default(20),
  /** Apply a suggestion to its conversation on its own when the model is at least this confident; null: never. */
  autoApplyMinConfidence: z.number().min(0).max(1).nullable().default(null),
  /** Messages the agent sends on its own to a user who went quiet. */
  proactive: z.boolean().default(false),
  proactiveIdleMinutes: z
    .number()
    .int()
    .min(5)
    .max(60 * 24 * 30)
    .default(60 * 24),
  /** At most this many proactive messages in a row that the user has not answered. */
  proactiveMaxUnanswered: z.number().int().min(1).max(10).default(1),
  /**
   * The model the companion jobs call (summaries, memory); null: the agent's own model. `offline`
   * makes them deterministic and extractive.
   */
  utilityModel: modelRefSchema.nullable().default(null),
});
export type CompanionSettings = z.infer<typeof companionSettingsSchema>;

type WithoutDefaults<Shape> = {
  [Key in keyof Shape]: Shape[Key] extends z.ZodDefault<infer Inner> ? z.ZodOptional<Inner> : never;
};

/**
 * What a create or update may send: any of the settings, the rest kept (or defaulted). Built without the
 * defaults: `.partial()` keeps them, so a PATCH of one setting would reset every other to its default.
 */
export const companionSettingsPatch = z.strictObject(
  Object.fromEntries(
    Object.entries(companionSettingsSchema.shape).map(([key, field]) => [key, field.unwrap().optional()]),
  ) as WithoutDefaults<typeof companionSettingsSchema.shape>,
);
export type CompanionSettingsPatch = z.infer<typeof companionSettingsPatch>;

export const defaultCompanionSettings: CompanionSettings = companionSettingsSchema.parse({});

/** The stored JSON, read leniently: a setting stored wrong (by hand) takes its default rather than failing a turn. */
export function readCompanionSettings(stored: unknown): CompanionSettings {
  const parsed = companionSettingsSchema.safeParse(stored ?? {});
  if (parsed.success) return parsed.data;
  const partial: Record<string, unknown> = {};
  const object = typeof stored === 'object' && stored !== null ? (stored as Record<string, unknown>) : {};
  for (const [key, field] of Object.entries(companionSettingsSchema.shape)) {
    const one = field.safeParse(object[key]);
    if (one.success) partial[key] = one.data;
  }
  return { ...defaultCompanionSettings, ...partial };
}
