CREATE TABLE IF NOT EXISTS "canned_responses" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"shortcode" text NOT NULL,
	"content" text NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "contacts" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"name" text,
	"email" text,
	"phone" text,
	"external_id" text,
	"attributes" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "inboxes" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"name" text NOT NULL,
	"agent_id" uuid,
	"allowed_origins" text[] DEFAULT '{}'::text[] NOT NULL,
	"widget_title" text NOT NULL,
	"widget_color" text NOT NULL,
	"widget_greeting" text DEFAULT '' NOT NULL,
	"business_hours" jsonb,
	"handoff_keywords" text[] NOT NULL,
	"on_ai_failure" text NOT NULL,
	"is_csat_enabled" boolean DEFAULT false NOT NULL,
	"encrypted_signing_secret" text NOT NULL,
	"signing_secret_rotated_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "support_conversations" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"inbox_id" uuid NOT NULL,
	"contact_id" uuid NOT NULL,
	"conversation_id" uuid,
	"status" text NOT NULL,
	"assignee_id" uuid,
	"snoozed_until" timestamp with time zone,
	"labels" text[] DEFAULT '{}'::text[] NOT NULL,
	"status_changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "support_events" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"support_conversation_id" uuid NOT NULL,
	"actor_kind" text NOT NULL,
	"actor_id" uuid,
	"action" text NOT NULL,
	"from_status" text,
	"to_status" text NOT NULL,
	"assignee_id" uuid,
	"reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "support_notes" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"support_conversation_id" uuid NOT NULL,
	"author_id" uuid,
	"body" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "canned_responses" ADD CONSTRAINT "canned_responses_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object OR duplicate_table THEN NULL;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "canned_responses" ADD CONSTRAINT "canned_responses_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;
EXCEPTION WHEN duplicate_object OR duplicate_table THEN NULL;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "contacts" ADD CONSTRAINT "contacts_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object OR duplicate_table THEN NULL;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "inboxes" ADD CONSTRAINT "inboxes_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object OR duplicate_table THEN NULL;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "inboxes" ADD CONSTRAINT "inboxes_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE set null ON UPDATE no action;
EXCEPTION WHEN duplicate_object OR duplicate_table THEN NULL;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "support_conversations" ADD CONSTRAINT "support_conversations_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object OR duplicate_table THEN NULL;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "support_conversations" ADD CONSTRAINT "support_conversations_inbox_id_inboxes_id_fk" FOREIGN KEY ("inbox_id") REFERENCES "public"."inboxes"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object OR duplicate_table THEN NULL;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "support_conversations" ADD CONSTRAINT "support_conversations_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object OR duplicate_table THEN NULL;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "support_conversations" ADD CONSTRAINT "support_conversations_conversation_id_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "public"."conversations"("id") ON DELETE set null ON UPDATE no action;
EXCEPTION WHEN duplicate_object OR duplicate_table THEN NULL;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "support_conversations" ADD CONSTRAINT "support_conversations_assignee_id_users_id_fk" FOREIGN KEY ("assignee_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;
EXCEPTION WHEN duplicate_object OR duplicate_table THEN NULL;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "support_events" ADD CONSTRAINT "support_events_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object OR duplicate_table THEN NULL;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "support_events" ADD CONSTRAINT "support_events_support_conversation_id_support_conversations_id_fk" FOREIGN KEY ("support_conversation_id") REFERENCES "public"."support_conversations"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object OR duplicate_table THEN NULL;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "support_events" ADD CONSTRAINT "support_events_actor_id_users_id_fk" FOREIGN KEY ("actor_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;
EXCEPTION WHEN duplicate_object OR duplicate_table THEN NULL;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "support_events" ADD CONSTRAINT "support_events_assignee_id_users_id_fk" FOREIGN KEY ("assignee_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;
EXCEPTION WHEN duplicate_object OR duplicate_table THEN NULL;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "support_notes" ADD CONSTRAINT "support_notes_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object OR duplicate_table THEN NULL;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "support_notes" ADD CONSTRAINT "support_notes_support_conversation_id_support_conversations_id_fk" FOREIGN KEY ("support_conversation_id") REFERENCES "public"."support_conversations"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object OR duplicate_table THEN NULL;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "support_notes" ADD CONSTRAINT "support_notes_author_id_users_id_fk" FOREIGN KEY ("author_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;
EXCEPTION WHEN duplicate_object OR duplicate_table THEN NULL;
END $$;--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS "canned_responses_tenant_shortcode_unique" ON "canned_responses" USING btree ("tenant_id","shortcode");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "canned_responses_created_by_idx" ON "canned_responses" USING btree ("created_by");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "contacts_tenant_created_idx" ON "contacts" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS "contacts_tenant_external_id_unique" ON "contacts" USING btree ("tenant_id","external_id") WHERE "contacts"."external_id" is not null;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "contacts_tenant_name_search_idx" ON "contacts" USING btree ("tenant_id",lower("name") text_pattern_ops);--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "contacts_tenant_email_search_idx" ON "contacts" USING btree ("tenant_id",lower("email") text_pattern_ops);--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "contacts_tenant_phone_search_idx" ON "contacts" USING btree ("tenant_id","phone" text_pattern_ops);--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "contacts_tenant_external_id_search_idx" ON "contacts" USING btree ("tenant_id","external_id" text_pattern_ops);--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "inboxes_tenant_created_idx" ON "inboxes" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "inboxes_agent_idx" ON "inboxes" USING btree ("agent_id");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "support_conversations_queue_idx" ON "support_conversations" USING btree ("tenant_id","status","status_changed_at","id");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "support_conversations_tenant_created_idx" ON "support_conversations" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "support_conversations_contact_idx" ON "support_conversations" USING btree ("contact_id","created_at");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "support_conversations_inbox_idx" ON "support_conversations" USING btree ("inbox_id");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "support_conversations_assignee_idx" ON "support_conversations" USING btree ("assignee_id");--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS "support_conversations_conversation_unique" ON "support_conversations" USING btree ("conversation_id");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "support_conversations_snoozed_idx" ON "support_conversations" USING btree ("tenant_id","snoozed_until") WHERE "support_conversations"."status" = 'snoozed';--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "support_events_conversation_idx" ON "support_events" USING btree ("support_conversation_id","id");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "support_events_tenant_idx" ON "support_events" USING btree ("tenant_id");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "support_events_actor_idx" ON "support_events" USING btree ("actor_id");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "support_events_assignee_idx" ON "support_events" USING btree ("assignee_id");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "support_notes_conversation_idx" ON "support_notes" USING btree ("support_conversation_id","id");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "support_notes_tenant_idx" ON "support_notes" USING btree ("tenant_id");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "support_notes_author_idx" ON "support_notes" USING btree ("author_id");