ALTER TABLE "conversations" ADD COLUMN IF NOT EXISTS "last_seq" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN IF NOT EXISTS "state_seq" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN IF NOT EXISTS "seq" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "messages_conversation_seq_idx" ON "messages" USING btree ("conversation_id","seq");--> statement-breakpoint
-- Existing messages and conversations numbered once, in history order (ids are UUID v7).
UPDATE "messages" SET "seq" = "numbered"."seq" FROM (
  SELECT "id", row_number() OVER (PARTITION BY "conversation_id" ORDER BY "id") AS "seq" FROM "messages"
) AS "numbered" WHERE "messages"."id" = "numbered"."id";--> statement-breakpoint
UPDATE "conversations" SET "last_seq" = "top"."seq" FROM (
  SELECT "conversation_id", max("seq") AS "seq" FROM "messages" GROUP BY "conversation_id"
) AS "top" WHERE "conversations"."id" = "top"."conversation_id";--> statement-breakpoint
-- A message created, or whose status changed, takes the next seq of its conversation in the writer's own
-- transaction: the conversation's row stays locked until commit, so seqs commit in order and none is
-- skipped (a rollback gives its seq back). A statement that already updates the conversation sets `seq`
-- itself (a row may be updated once per statement), and the trigger leaves it.
CREATE OR REPLACE FUNCTION "messages_take_seq"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW."seq" <> 0 THEN RETURN NEW; END IF;
  ELSIF NEW."seq" IS DISTINCT FROM OLD."seq" OR NEW."status" IS NOT DISTINCT FROM OLD."status" THEN
    RETURN NEW;
  END IF;
  UPDATE "conversations" SET "last_seq" = "last_seq" + 1 WHERE "id" = NEW."conversation_id"
    RETURNING "last_seq" INTO NEW."seq";
  NEW."seq" := coalesce(NEW."seq", 0);
  RETURN NEW;
END $$;--> statement-breakpoint
DROP TRIGGER IF EXISTS "messages_take_seq" ON "messages";--> statement-breakpoint
CREATE TRIGGER "messages_take_seq" BEFORE INSERT OR UPDATE OF "status" ON "messages"
  FOR EACH ROW EXECUTE FUNCTION "messages_take_seq"();--> statement-breakpoint
-- A renamed, archived or moved conversation: that change takes a seq of its own.
CREATE OR REPLACE FUNCTION "conversations_take_seq"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."last_seq" = OLD."last_seq" AND (NEW."title" IS DISTINCT FROM OLD."title"
      OR NEW."archived_at" IS DISTINCT FROM OLD."archived_at" OR NEW."project_id" IS DISTINCT FROM OLD."project_id") THEN
    NEW."last_seq" := OLD."last_seq" + 1;
    NEW."state_seq" := NEW."last_seq";
  END IF;
  RETURN NEW;
END $$;--> statement-breakpoint
DROP TRIGGER IF EXISTS "conversations_take_seq" ON "conversations";--> statement-breakpoint
CREATE TRIGGER "conversations_take_seq" BEFORE UPDATE OF "title", "archived_at", "project_id" ON "conversations"
  FOR EACH ROW EXECUTE FUNCTION "conversations_take_seq"();
