-- Events stored before this migration already have their delivery rows: they start as relayed.
ALTER TABLE "webhook_events" ADD COLUMN IF NOT EXISTS "relayed_at" timestamp with time zone DEFAULT now();--> statement-breakpoint
ALTER TABLE "webhook_events" ALTER COLUMN "relayed_at" DROP DEFAULT;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "webhook_events_unrelayed_idx" ON "webhook_events" USING btree ("created_at") WHERE relayed_at is null;
