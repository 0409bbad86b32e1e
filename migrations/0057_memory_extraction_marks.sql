-- How far memory extraction has read each conversation (docs/companion.md, issue 64): a job reads the
-- user messages after the mark and moves it past each one it finished, one job at a time per conversation
-- (the lease), so each message is sent to the model once however many jobs were queued for it.
CREATE TABLE IF NOT EXISTS "memory_extraction_marks" (
	"conversation_id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"through_message_id" uuid,
	"lease_job_id" text,
	"lease_until" timestamp with time zone
);
--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "memory_extraction_marks" ADD CONSTRAINT "memory_extraction_marks_conversation_id_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "public"."conversations"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "memory_extraction_marks" ADD CONSTRAINT "memory_extraction_marks_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "memory_extraction_marks_tenant_idx" ON "memory_extraction_marks" USING btree ("tenant_id");