CREATE TABLE IF NOT EXISTS "email_messages" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"support_conversation_id" uuid NOT NULL,
	"message_id" uuid,
	"direction" text NOT NULL,
	"status" text NOT NULL,
	"internet_message_id" text NOT NULL,
	"subject" text DEFAULT '' NOT NULL,
	"contact_address" text NOT NULL,
	"authentication" jsonb,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "inboxes" ADD COLUMN IF NOT EXISTS "email_address" text;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "email_messages" ADD CONSTRAINT "email_messages_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "email_messages" ADD CONSTRAINT "email_messages_support_conversation_id_support_conversations_id_fk" FOREIGN KEY ("support_conversation_id") REFERENCES "public"."support_conversations"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "email_messages" ADD CONSTRAINT "email_messages_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."messages"("id") ON DELETE set null ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS "email_messages_tenant_internet_id_unique" ON "email_messages" USING btree ("tenant_id","internet_message_id");--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS "email_messages_message_unique" ON "email_messages" USING btree ("message_id") WHERE "email_messages"."message_id" is not null;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "email_messages_conversation_idx" ON "email_messages" USING btree ("support_conversation_id","created_at");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "email_messages_pending_idx" ON "email_messages" USING btree ("created_at") WHERE "email_messages"."status" = 'pending';--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS "inboxes_email_address_unique" ON "inboxes" USING btree ("email_address") WHERE "inboxes"."email_address" is not null;