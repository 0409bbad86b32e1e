import { z } from 'zod';

/** `provider:model` or `offline`; whether the provider exists is checked when chatting. */
export const modelRefSchema = z
  .string()
  .trim()
  .max(241)
  .regex(
    /^(offline|[a-z][a-z0-9-]{0,39}:\S{1,200})$/,
    "must be 'provider:model' (e.g. 'openai:gpt-4o-mini') or 'offline'",
  );
