-- The log read across conversations (ADR 27, docs/architecture.md "The conversation log"): each event
-- knows the transaction that wrote it, and each reader of the whole log (analytics, webhooks, email)
-- keeps its position in log_cursors instead of rows written inside every turn.
CREATE TABLE IF NOT EXISTS "log_cursors" (
	"reader" text PRIMARY KEY NOT NULL,
	"tx" "xid8" NOT NULL,
	"conversation_id" uuid NOT NULL,
	"seq" bigint NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "conversation_events" ADD COLUMN IF NOT EXISTS "tx" "xid8" DEFAULT pg_current_xact_id() NOT NULL;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "conversation_events_feed_idx" ON "conversation_events" USING btree ("tx","conversation_id","seq");--> statement-breakpoint
-- Every reader starts after what the log holds now: an upgrade replays no old event as a new webhook or mail
-- (what was owed before it is in the outbox rows the earlier version wrote).
INSERT INTO "log_cursors" ("reader", "tx", "conversation_id", "seq")
  SELECT "reader", pg_current_xact_id(), 'ffffffff-ffff-ffff-ffff-ffffffffffff', 9007199254740991
  FROM (VALUES ('analytics'), ('webhooks'), ('email')) AS "readers" ("reader")
  ON CONFLICT DO NOTHING;--> statement-breakpoint
-- Analytics reads the messages' inserts and status changes from the log (analytics-log-reader.ts) rather
-- than noting three rows in every turn; what the log does not hold (a message deleted, or a counted column
-- changed without a status change) is still noted by the triggers of migration 0036.
DROP TRIGGER IF EXISTS "analytics_messages_inserted" ON "messages";--> statement-breakpoint
DROP TRIGGER IF EXISTS "analytics_messages_updated" ON "messages";--> statement-breakpoint
CREATE TRIGGER "analytics_messages_updated" AFTER UPDATE ON "messages" FOR EACH ROW
  WHEN (OLD.status IS NOT DISTINCT FROM NEW.status
    AND (OLD.role, OLD.model, OLD.input_tokens, OLD.output_tokens, OLD.passages_found, OLD.citations,
         OLD.author_id, OLD.created_at, OLD.completed_at, OLD.conversation_id, OLD.tenant_id)
    IS DISTINCT FROM (NEW.role, NEW.model, NEW.input_tokens, NEW.output_tokens, NEW.passages_found,
         NEW.citations, NEW.author_id, NEW.created_at, NEW.completed_at, NEW.conversation_id, NEW.tenant_id))
  EXECUTE FUNCTION "analytics_note_row"();
