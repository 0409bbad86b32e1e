-- Agent versions (issue 67, docs/agents.md): every saved change to an agent's settings is a numbered,
-- unchanging version; the agent's row keeps the published one's settings (what every turn reads) and points
-- at its draft, if any. A reply and its ledger row name the version that wrote it. Agents made before this
-- get their settings as version 1, published.
CREATE TABLE IF NOT EXISTS "agent_versions" (
	"tenant_id" uuid NOT NULL,
	"agent_id" uuid NOT NULL,
	"number" integer NOT NULL,
	"settings" jsonb NOT NULL,
	"note" text,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"published_at" timestamp with time zone,
	"published_by" uuid,
	CONSTRAINT "agent_versions_agent_id_number_pk" PRIMARY KEY("agent_id","number")
);
--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN IF NOT EXISTS "published_version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN IF NOT EXISTS "draft_version" integer;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN IF NOT EXISTS "agent_version" integer;--> statement-breakpoint
ALTER TABLE "usage_ledger" ADD COLUMN IF NOT EXISTS "agent_version" integer;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "agent_versions" ADD CONSTRAINT "agent_versions_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "agent_versions" ADD CONSTRAINT "agent_versions_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "agent_versions" ADD CONSTRAINT "agent_versions_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "agent_versions" ADD CONSTRAINT "agent_versions_published_by_users_id_fk" FOREIGN KEY ("published_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "agent_versions_tenant_idx" ON "agent_versions" USING btree ("tenant_id");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "agent_versions_created_by_idx" ON "agent_versions" USING btree ("created_by");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "agent_versions_published_by_idx" ON "agent_versions" USING btree ("published_by");--> statement-breakpoint
INSERT INTO "agent_versions" ("tenant_id", "agent_id", "number", "settings", "created_by", "created_at", "published_at", "published_by")
SELECT a."tenant_id", a."id", 1,
  jsonb_build_object(
    'instructions', a."instructions",
    'model', a."model",
    'temperature', a."temperature",
    'maxOutputTokens', a."max_output_tokens",
    'knowledgeSourceIds', coalesce((SELECT jsonb_agg(s."source_id"::text ORDER BY s."source_id"::text) FROM "agent_knowledge_sources" s WHERE s."agent_id" = a."id"), '[]'::jsonb),
    'toolKeys', coalesce((SELECT jsonb_agg(t."tool_key" ORDER BY t."tool_key") FROM "agent_tools" t WHERE t."agent_id" = a."id"), '[]'::jsonb),
    'companion', a."companion"
  ),
  a."created_by", a."updated_at", a."updated_at", a."created_by"
FROM "agents" a
ON CONFLICT DO NOTHING;
