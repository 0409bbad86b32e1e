-- Long-term memory belongs to the person a conversation is with: a support conversation's facts are its
-- contact's, not the desk user's (who owns every support chat), so one customer's facts reach no other's
-- prompt. Inboxes keep memory only where the tenant turns it on.
ALTER TABLE "inboxes" ADD COLUMN IF NOT EXISTS "is_memory_enabled" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "agent_memories" ADD COLUMN IF NOT EXISTS "contact_id" uuid;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "agent_memories" ADD CONSTRAINT "agent_memories_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
-- Facts kept before this from support conversations were filed under the desk user, shared by every
-- contact: each is given to the contact whose message it was drawn from; one that cannot be traced to
-- a contact is deleted rather than left where every customer's prompt would read it.
UPDATE "agent_memories" m SET "contact_id" = s."contact_id"
  FROM "messages" msg JOIN "support_conversations" s ON s."conversation_id" = msg."conversation_id"
 WHERE m."contact_id" IS NULL AND m."source_message_id" = msg."id";--> statement-breakpoint
DELETE FROM "agent_memories" m
 WHERE m."contact_id" IS NULL
   AND EXISTS (SELECT 1 FROM "users" u WHERE u."id" = m."user_id" AND lower(u."email") LIKE 'support-desk@%.parley.invalid');--> statement-breakpoint
ALTER TABLE "agent_memories" DROP CONSTRAINT IF EXISTS "agent_memories_fact_unique";--> statement-breakpoint
DROP INDEX IF EXISTS "agent_memories_fact_unique";--> statement-breakpoint
ALTER TABLE "agent_memories" ADD CONSTRAINT "agent_memories_fact_unique" UNIQUE NULLS NOT DISTINCT("agent_id","user_id","contact_id","fact_key");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "agent_memories_contact_idx" ON "agent_memories" USING btree ("contact_id");
