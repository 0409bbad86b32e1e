ALTER TABLE "knowledge_documents" ADD COLUMN IF NOT EXISTS "replaced_media_type" text;--> statement-breakpoint
ALTER TABLE "knowledge_documents" ADD COLUMN IF NOT EXISTS "replaced_byte_size" bigint;--> statement-breakpoint
ALTER TABLE "knowledge_documents" ADD COLUMN IF NOT EXISTS "replaced_sha256" text;--> statement-breakpoint
ALTER TABLE "knowledge_documents" ADD COLUMN IF NOT EXISTS "replaced_storage_key" text;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "knowledge_documents_replaced_storage_key_idx" ON "knowledge_documents" USING btree ("replaced_storage_key") WHERE "knowledge_documents"."replaced_storage_key" is not null;
