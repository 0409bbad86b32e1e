CREATE TABLE IF NOT EXISTS "conversation_events" (
	"tenant_id" uuid NOT NULL,
	"conversation_id" uuid NOT NULL,
	"seq" bigint NOT NULL,
	"type" text NOT NULL,
	"message_id" uuid,
	"payload" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "conversation_events_conversation_id_seq_pk" PRIMARY KEY("conversation_id","seq")
);
--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "conversation_events" ADD CONSTRAINT "conversation_events_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "conversation_events" ADD CONSTRAINT "conversation_events_conversation_id_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "public"."conversations"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "conversation_events_tenant_idx" ON "conversation_events" USING btree ("tenant_id");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "conversation_events_created_idx" ON "conversation_events" USING btree ("created_at");--> statement-breakpoint
-- The conversation's log (ADR 26): every change that takes a seq (migration 0047's triggers, or a
-- statement that sets it) appends one event with that seq, in the same statement, so the log commits with
-- the change and holds each seq once. The payload is the row as it is now, for readers to render as it was.
CREATE OR REPLACE FUNCTION "messages_log_event"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."seq" = 0 OR (TG_OP = 'UPDATE' AND NEW."seq" IS NOT DISTINCT FROM OLD."seq") THEN RETURN NULL; END IF;
  INSERT INTO "conversation_events" ("tenant_id", "conversation_id", "seq", "type", "message_id", "payload")
  VALUES (NEW."tenant_id", NEW."conversation_id", NEW."seq",
    CASE WHEN NEW."status" = 'streaming' THEN 'reply-started'
      WHEN TG_OP = 'INSERT' THEN 'message-created'
      ELSE 'reply-settled' END,
    NEW."id", to_jsonb(NEW));
  RETURN NULL;
END $$;--> statement-breakpoint
DROP TRIGGER IF EXISTS "messages_log_event" ON "messages";--> statement-breakpoint
CREATE TRIGGER "messages_log_event" AFTER INSERT OR UPDATE OF "seq", "status" ON "messages"
  FOR EACH ROW EXECUTE FUNCTION "messages_log_event"();--> statement-breakpoint
-- A stored message's words rewritten without an event of their own (a contact's erasure): the log's
-- copies of that message are rewritten the same way, so its words are nowhere else. A reply being
-- written saves drafts of its text, which touch no event (its start holds no text yet).
CREATE OR REPLACE FUNCTION "messages_redact_log"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "conversation_events"
    SET "payload" = "payload" || jsonb_build_object('content', NEW."content", 'attachments', NEW."attachments")
    WHERE "conversation_id" = NEW."conversation_id" AND "message_id" = NEW."id";
  RETURN NULL;
END $$;--> statement-breakpoint
DROP TRIGGER IF EXISTS "messages_redact_log" ON "messages";--> statement-breakpoint
CREATE TRIGGER "messages_redact_log" AFTER UPDATE OF "content", "attachments" ON "messages"
  FOR EACH ROW WHEN (NEW."seq" = OLD."seq" AND NEW."status" = OLD."status" AND NEW."status" <> 'streaming'
    AND (NEW."content" IS DISTINCT FROM OLD."content" OR NEW."attachments" IS DISTINCT FROM OLD."attachments"))
  EXECUTE FUNCTION "messages_redact_log"();--> statement-breakpoint
-- A renamed, archived or moved conversation: its new state, under the seq conversations_take_seq gave it.
-- A title cleared (an erasure clears them) is cleared from the log's earlier events too.
CREATE OR REPLACE FUNCTION "conversations_log_event"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD."title" IS NOT NULL AND NEW."title" IS NULL THEN
    UPDATE "conversation_events" SET "payload" = "payload" || '{"title": null}'::jsonb
      WHERE "conversation_id" = NEW."id" AND "type" = 'conversation-updated';
  END IF;
  IF NEW."state_seq" IS DISTINCT FROM OLD."state_seq" THEN
    INSERT INTO "conversation_events" ("tenant_id", "conversation_id", "seq", "type", "payload")
    VALUES (NEW."tenant_id", NEW."id", NEW."state_seq", 'conversation-updated',
      jsonb_build_object('title', NEW."title", 'archived_at', NEW."archived_at", 'project_id', NEW."project_id"));
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
DROP TRIGGER IF EXISTS "conversations_log_event" ON "conversations";--> statement-breakpoint
CREATE TRIGGER "conversations_log_event" AFTER UPDATE OF "title", "archived_at", "project_id" ON "conversations"
  FOR EACH ROW EXECUTE FUNCTION "conversations_log_event"();
