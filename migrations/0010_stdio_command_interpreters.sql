ALTER TABLE "mcp_stdio_commands" ADD COLUMN "allow_interpreter" boolean DEFAULT false NOT NULL;--> statement-breakpoint
-- Commands allowed before the flag was kept ran under a spawn-time check that allowed interpreters:
-- they keep doing so. A platform admin narrows one by allowing it again without the flag.
UPDATE "mcp_stdio_commands" SET "allow_interpreter" = true;
