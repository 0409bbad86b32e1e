ALTER TABLE "messages" ADD COLUMN IF NOT EXISTS "reply_group_id" uuid;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN IF NOT EXISTS "reply_position" integer;
