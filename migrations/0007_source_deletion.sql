DROP INDEX "knowledge_sources_tenant_name_unique";--> statement-breakpoint
ALTER TABLE "knowledge_sources" ADD COLUMN "deleted_at" timestamp with time zone;--> statement-breakpoint
CREATE UNIQUE INDEX "knowledge_sources_tenant_name_unique" ON "knowledge_sources" USING btree ("tenant_id","name") WHERE "knowledge_sources"."deleted_at" is null;