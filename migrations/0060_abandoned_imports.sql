-- What the sweep for imports cut short by their node's end reads (knowledge/imports/imports-upkeep.ts, issue 66's
-- kill -9 mid-import): the running imports by their lease, and the documents still pending by their age.
CREATE INDEX IF NOT EXISTS "knowledge_documents_pending_idx" ON "knowledge_documents" USING btree ("updated_at") WHERE "knowledge_documents"."status" = 'pending';--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "knowledge_imports_running_idx" ON "knowledge_imports" USING btree ("updated_at") WHERE "knowledge_imports"."status" = 'running';
