ALTER TABLE "tenants" ADD COLUMN IF NOT EXISTS "storage_quota_bytes" bigint;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "files_tenant_bytes_idx" ON "files" USING btree ("tenant_id","byte_size");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "knowledge_documents_tenant_bytes_idx" ON "knowledge_documents" USING btree ("tenant_id","byte_size","replaced_byte_size");