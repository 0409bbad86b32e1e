ALTER TABLE "mcp_servers" ADD COLUMN IF NOT EXISTS "parameters" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "mcp_stdio_commands" ADD COLUMN IF NOT EXISTS "args" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "mcp_stdio_commands" ADD COLUMN IF NOT EXISTS "parameters" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "mcp_stdio_commands" ADD COLUMN IF NOT EXISTS "env_names" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "mcp_stdio_commands" ADD COLUMN IF NOT EXISTS "allow_network" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "mcp_stdio_commands" ADD COLUMN IF NOT EXISTS "read_only_paths" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
-- Issue 33: tenants no longer give free arguments. A stdio server that had any is detached from its
-- command (the arguments stay stored, never run) and says what to do; one without runs on as before,
-- since its command becomes a template without arguments.
UPDATE "mcp_servers" SET "stdio_command_id" = NULL, "status" = 'error', "status_message" = 'This server gave its command free arguments, which tenants can no longer give (they could make a vetted program run anything); choose a command template and fill its parameters, or ask a platform administrator for one', "updated_at" = now() WHERE "transport" = 'stdio' AND cardinality("args") > 0;
