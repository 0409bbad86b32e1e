ALTER TABLE "messages" ADD COLUMN IF NOT EXISTS "passages_found" integer;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "conversations_tenant_created_idx" ON "conversations" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "messages_tenant_created_idx" ON "messages" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "tool_executions_tenant_created_idx" ON "tool_executions" USING btree ("tenant_id","created_at");