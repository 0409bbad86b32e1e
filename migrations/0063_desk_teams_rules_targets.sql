-- The desk's third round (issue 65, docs/desk-routing.md): teams and their members, a team per inbox and per
-- conversation, a conversation's priority, reply-time targets (inbox, team) with each clock kept and the running
-- due times on the conversation, routing rules and the record of which rule did what. Written to be applied again.
CREATE TABLE IF NOT EXISTS "team_members" (
	"tenant_id" uuid NOT NULL,
	"team_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "team_members_team_id_user_id_pk" PRIMARY KEY("team_id","user_id")
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "teams" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"reply_targets" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "routing_rules" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"name" text NOT NULL,
	"position" integer NOT NULL,
	"trigger" text NOT NULL,
	"conditions" jsonb NOT NULL,
	"actions" jsonb NOT NULL,
	"is_enabled" boolean DEFAULT true NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "support_rule_runs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"support_conversation_id" uuid NOT NULL,
	"rule_id" uuid,
	"rule_name" text NOT NULL,
	"trigger" text NOT NULL,
	"trigger_key" text NOT NULL,
	"depth" integer NOT NULL,
	"outcomes" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "support_target_clocks" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"support_conversation_id" uuid NOT NULL,
	"target" text NOT NULL,
	"inbox_id" uuid NOT NULL,
	"team_id" uuid,
	"assignee_id" uuid,
	"started_at" timestamp with time zone NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"met_at" timestamp with time zone,
	"breached_at" timestamp with time zone,
	"cancelled_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "inboxes" ADD COLUMN IF NOT EXISTS "team_id" uuid;
--> statement-breakpoint
ALTER TABLE "inboxes" ADD COLUMN IF NOT EXISTS "reply_targets" jsonb;
--> statement-breakpoint
ALTER TABLE "inboxes" ADD COLUMN IF NOT EXISTS "hours_state" text;
--> statement-breakpoint
ALTER TABLE "support_conversations" ADD COLUMN IF NOT EXISTS "team_id" uuid;
--> statement-breakpoint
ALTER TABLE "support_conversations" ADD COLUMN IF NOT EXISTS "priority" text DEFAULT 'none' NOT NULL;
--> statement-breakpoint
ALTER TABLE "support_conversations" ADD COLUMN IF NOT EXISTS "first_response_due_at" timestamp with time zone;
--> statement-breakpoint
ALTER TABLE "support_conversations" ADD COLUMN IF NOT EXISTS "next_response_due_at" timestamp with time zone;
--> statement-breakpoint
ALTER TABLE "support_conversations" ADD COLUMN IF NOT EXISTS "resolution_due_at" timestamp with time zone;
--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "team_members" ADD CONSTRAINT "team_members_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;
--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "team_members" ADD CONSTRAINT "team_members_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;
--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "team_members" ADD CONSTRAINT "team_members_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;
--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "teams" ADD CONSTRAINT "teams_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;
--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "routing_rules" ADD CONSTRAINT "routing_rules_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;
--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "routing_rules" ADD CONSTRAINT "routing_rules_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;
--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "support_rule_runs" ADD CONSTRAINT "support_rule_runs_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;
--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "support_rule_runs" ADD CONSTRAINT "support_rule_runs_support_conversation_id_support_conversations_id_fk" FOREIGN KEY ("support_conversation_id") REFERENCES "public"."support_conversations"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;
--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "support_rule_runs" ADD CONSTRAINT "support_rule_runs_rule_id_routing_rules_id_fk" FOREIGN KEY ("rule_id") REFERENCES "public"."routing_rules"("id") ON DELETE set null ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;
--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "support_target_clocks" ADD CONSTRAINT "support_target_clocks_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;
--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "support_target_clocks" ADD CONSTRAINT "support_target_clocks_support_conversation_id_support_conversations_id_fk" FOREIGN KEY ("support_conversation_id") REFERENCES "public"."support_conversations"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;
--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "support_target_clocks" ADD CONSTRAINT "support_target_clocks_inbox_id_inboxes_id_fk" FOREIGN KEY ("inbox_id") REFERENCES "public"."inboxes"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;
--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "support_target_clocks" ADD CONSTRAINT "support_target_clocks_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE set null ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;
--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "support_target_clocks" ADD CONSTRAINT "support_target_clocks_assignee_id_users_id_fk" FOREIGN KEY ("assignee_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "team_members_user_idx" ON "team_members" USING btree ("user_id");
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "team_members_tenant_idx" ON "team_members" USING btree ("tenant_id");
--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS "teams_tenant_name_unique" ON "teams" USING btree ("tenant_id",lower("name"));
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "routing_rules_tenant_trigger_idx" ON "routing_rules" USING btree ("tenant_id","trigger","position");
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "routing_rules_created_by_idx" ON "routing_rules" USING btree ("created_by");
--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS "support_rule_runs_once_unique" ON "support_rule_runs" USING btree ("support_conversation_id","rule_id","trigger_key");
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "support_rule_runs_tenant_idx" ON "support_rule_runs" USING btree ("tenant_id","created_at");
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "support_rule_runs_rule_idx" ON "support_rule_runs" USING btree ("rule_id");
--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS "support_target_clocks_running_unique" ON "support_target_clocks" USING btree ("support_conversation_id","target") WHERE "support_target_clocks"."met_at" is null and "support_target_clocks"."cancelled_at" is null;
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "support_target_clocks_due_idx" ON "support_target_clocks" USING btree ("due_at") WHERE "support_target_clocks"."met_at" is null and "support_target_clocks"."cancelled_at" is null and "support_target_clocks"."breached_at" is null;
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "support_target_clocks_tenant_idx" ON "support_target_clocks" USING btree ("tenant_id","started_at");
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "support_target_clocks_inbox_idx" ON "support_target_clocks" USING btree ("inbox_id");
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "support_target_clocks_team_idx" ON "support_target_clocks" USING btree ("team_id");
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "support_target_clocks_assignee_idx" ON "support_target_clocks" USING btree ("assignee_id");
--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "inboxes" ADD CONSTRAINT "inboxes_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE set null ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;
--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "support_conversations" ADD CONSTRAINT "support_conversations_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE set null ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "support_conversations_unresolved_team_idx" ON "support_conversations" USING btree ("tenant_id","team_id","status_changed_at","id") WHERE "support_conversations"."status" <> 'resolved';
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "support_conversations_team_idx" ON "support_conversations" USING btree ("team_id");
