CREATE TABLE IF NOT EXISTS "support_queue_counts" (
	"tenant_id" uuid NOT NULL,
	"inbox_id" uuid NOT NULL,
	"status" text NOT NULL,
	"assignee_key" uuid NOT NULL,
	"conversations" integer NOT NULL,
	CONSTRAINT "support_queue_counts_tenant_id_inbox_id_status_assignee_key_pk" PRIMARY KEY("tenant_id","inbox_id","status","assignee_key")
);
--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "support_queue_counts" ADD CONSTRAINT "support_queue_counts_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "support_queue_counts" ADD CONSTRAINT "support_queue_counts_inbox_id_inboxes_id_fk" FOREIGN KEY ("inbox_id") REFERENCES "public"."inboxes"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "support_conversations_unresolved_idx" ON "support_conversations" USING btree ("tenant_id","status_changed_at","id") WHERE "support_conversations"."status" <> 'resolved';--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "support_conversations_unresolved_assignee_idx" ON "support_conversations" USING btree ("tenant_id","assignee_id","status_changed_at","id") WHERE "support_conversations"."status" <> 'resolved';--> statement-breakpoint
-- The queue's tab counts, kept in the transaction of every change to a support conversation. A row
-- that goes is only ever decremented (UPDATE, never an insert: a tenant or inbox being deleted takes
-- its count rows with it). Of the two rows a change moves between, the lower key is locked first, so
-- two changes crossing each other wait rather than deadlock.
CREATE OR REPLACE FUNCTION "support_queue_counts_follow"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  unassigned constant uuid := '00000000-0000-0000-0000-000000000000';
  is_new_first boolean := false;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF OLD.tenant_id = NEW.tenant_id AND OLD.inbox_id = NEW.inbox_id AND OLD.status = NEW.status
       AND OLD.assignee_id IS NOT DISTINCT FROM NEW.assignee_id THEN
      RETURN NULL;
    END IF;
    is_new_first := ROW(NEW.tenant_id, NEW.inbox_id, NEW.status, coalesce(NEW.assignee_id, unassigned))
      < ROW(OLD.tenant_id, OLD.inbox_id, OLD.status, coalesce(OLD.assignee_id, unassigned));
  END IF;
  IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR is_new_first) THEN
    INSERT INTO support_queue_counts (tenant_id, inbox_id, status, assignee_key, conversations)
      VALUES (NEW.tenant_id, NEW.inbox_id, NEW.status, coalesce(NEW.assignee_id, unassigned), 1)
      ON CONFLICT (tenant_id, inbox_id, status, assignee_key)
      DO UPDATE SET conversations = support_queue_counts.conversations + 1;
  END IF;
  IF TG_OP <> 'INSERT' THEN
    UPDATE support_queue_counts SET conversations = conversations - 1
      WHERE tenant_id = OLD.tenant_id AND inbox_id = OLD.inbox_id AND status = OLD.status
        AND assignee_key = coalesce(OLD.assignee_id, unassigned);
  END IF;
  IF TG_OP = 'UPDATE' AND NOT is_new_first THEN
    INSERT INTO support_queue_counts (tenant_id, inbox_id, status, assignee_key, conversations)
      VALUES (NEW.tenant_id, NEW.inbox_id, NEW.status, coalesce(NEW.assignee_id, unassigned), 1)
      ON CONFLICT (tenant_id, inbox_id, status, assignee_key)
      DO UPDATE SET conversations = support_queue_counts.conversations + 1;
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
DROP TRIGGER IF EXISTS "support_queue_counts_follow" ON "support_conversations";--> statement-breakpoint
CREATE TRIGGER "support_queue_counts_follow" AFTER INSERT OR DELETE OR UPDATE OF "tenant_id", "inbox_id", "status", "assignee_id"
  ON "support_conversations" FOR EACH ROW EXECUTE FUNCTION "support_queue_counts_follow"();--> statement-breakpoint
-- Counted anew from the conversations (so a rerun leaves the same counts).
DELETE FROM "support_queue_counts";--> statement-breakpoint
INSERT INTO "support_queue_counts" ("tenant_id", "inbox_id", "status", "assignee_key", "conversations")
  SELECT "tenant_id", "inbox_id", "status", coalesce("assignee_id", '00000000-0000-0000-0000-000000000000'), count(*)::int
  FROM "support_conversations" GROUP BY 1, 2, 3, 4;
