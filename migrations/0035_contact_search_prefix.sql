-- Contact search: each field's prefix index also holds (created_at, id) and the field, so a search probes them
-- index-only and cuts the matches to a newest-first page (contacts.repository.ts).
DROP INDEX IF EXISTS "contacts_tenant_name_search_idx";--> statement-breakpoint
DROP INDEX IF EXISTS "contacts_tenant_email_search_idx";--> statement-breakpoint
DROP INDEX IF EXISTS "contacts_tenant_phone_search_idx";--> statement-breakpoint
DROP INDEX IF EXISTS "contacts_tenant_external_id_search_idx";--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "contacts_tenant_name_prefix_idx" ON "contacts" USING btree ("tenant_id",lower("name") text_pattern_ops,"created_at","id","name");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "contacts_tenant_email_prefix_idx" ON "contacts" USING btree ("tenant_id",lower("email") text_pattern_ops,"created_at","id","email");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "contacts_tenant_phone_prefix_idx" ON "contacts" USING btree ("tenant_id","phone" text_pattern_ops,"created_at","id");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "contacts_tenant_external_id_prefix_idx" ON "contacts" USING btree ("tenant_id","external_id" text_pattern_ops,"created_at","id");