-- Mail identity and inbox addresses (issue 61; docs/security.md, "Mail identity"; docs/customer-service.md,
-- "Inbox addresses"): how each contact's address is known, the mail domains platform admins approved for
-- each tenant, and an index for one sender's recent mails (the AI's reply rate by mail).
CREATE TABLE IF NOT EXISTS "email_domains" (
	"domain" text PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"approved_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "contacts" ADD COLUMN IF NOT EXISTS "email_source" text;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "email_domains" ADD CONSTRAINT "email_domains_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "email_domains" ADD CONSTRAINT "email_domains_approved_by_users_id_fk" FOREIGN KEY ("approved_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "email_domains_tenant_idx" ON "email_domains" USING btree ("tenant_id","domain");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "email_domains_approved_by_idx" ON "email_domains" USING btree ("approved_by");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "email_messages_sender_idx" ON "email_messages" USING btree ("tenant_id","contact_address","created_at") WHERE "email_messages"."direction" = 'inbound';--> statement-breakpoint
-- Addresses stored before this said nothing of how they were known. A contact that ever had a widget session
-- may have typed its address (a claim, even where mail joined it since); one mail made and no widget touched
-- is known by mail; the rest were entered by the tenant's people or system.
UPDATE "contacts" c SET "email_source" = CASE
  WHEN c."visitor" IS NOT NULL OR EXISTS (SELECT 1 FROM "contact_tokens" t WHERE t."contact_id" = c."id") THEN 'visitor'
  WHEN EXISTS (
    SELECT 1 FROM "email_messages" e JOIN "support_conversations" s ON s."id" = e."support_conversation_id"
     WHERE s."contact_id" = c."id" AND e."direction" = 'inbound'
  ) THEN 'mail'
  ELSE 'tenant' END
WHERE c."email" IS NOT NULL AND c."email_source" IS NULL;--> statement-breakpoint
-- The domains existing email inboxes use, each approved for its tenant where only one tenant uses it. A domain
-- two tenants' inboxes share is approved for neither: a platform admin decides, and until then mail to those
-- addresses is refused at RCPT TO.
INSERT INTO "email_domains" ("domain", "tenant_id")
SELECT split_part("email_address", '@', 2), (array_agg(DISTINCT "tenant_id"))[1]
  FROM "inboxes" WHERE "email_address" IS NOT NULL
 GROUP BY 1 HAVING count(DISTINCT "tenant_id") = 1
ON CONFLICT DO NOTHING;
