CREATE TABLE IF NOT EXISTS "personality_suggestions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"conversation_id" uuid NOT NULL,
	"agent_id" uuid NOT NULL,
	"instructions" text NOT NULL,
	"reason" text NOT NULL,
	"confidence" real NOT NULL,
	"model" text NOT NULL,
	"through_message_id" uuid NOT NULL,
	"user_turns" integer NOT NULL,
	"suggested_on" date NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"applied_to" text,
	"auto_applied" boolean DEFAULT false NOT NULL,
	"decided_by" uuid,
	"decided_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN IF NOT EXISTS "utility_model" text;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN IF NOT EXISTS "personality_override" text;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN IF NOT EXISTS "personality_checked_on" date;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "personality_suggestions" ADD CONSTRAINT "personality_suggestions_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object OR duplicate_table THEN NULL;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "personality_suggestions" ADD CONSTRAINT "personality_suggestions_conversation_id_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "public"."conversations"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object OR duplicate_table THEN NULL;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "personality_suggestions" ADD CONSTRAINT "personality_suggestions_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object OR duplicate_table THEN NULL;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "personality_suggestions" ADD CONSTRAINT "personality_suggestions_decided_by_users_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;
EXCEPTION WHEN duplicate_object OR duplicate_table THEN NULL;
END $$;--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS "personality_suggestions_daily_unique" ON "personality_suggestions" USING btree ("conversation_id","suggested_on");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "personality_suggestions_tenant_idx" ON "personality_suggestions" USING btree ("tenant_id");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "personality_suggestions_agent_idx" ON "personality_suggestions" USING btree ("agent_id");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "personality_suggestions_decided_by_idx" ON "personality_suggestions" USING btree ("decided_by");
