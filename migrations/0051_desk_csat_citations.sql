ALTER TABLE "inboxes" ADD COLUMN IF NOT EXISTS "citations" text DEFAULT 'titles' NOT NULL;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "support_ratings_low_idx" ON "support_ratings" USING btree ("tenant_id","created_at","support_conversation_id") WHERE "support_ratings"."rating" <= 2;
