-- Index writes in short transactions, searched only once published (ADR 12). Hand-edited after generation:
-- the write_id columns are added with the nil UUID as a constant default, which PostgreSQL records without
-- rewriting a row (a rewrite of knowledge_chunks would re-insert every vector into its HNSW index), and the
-- default is dropped at once so that every new row names its write. Chunks indexed before this migration
-- thus share the nil write, which is never hidden. The postings key's index also carries write_id, so
-- BM25 skips a hidden write's postings in its index-only scan; Drizzle cannot declare INCLUDE.
CREATE TABLE "knowledge_index_writes" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"source_id" uuid NOT NULL,
	"document_id" uuid NOT NULL,
	"status" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
DROP INDEX "knowledge_chunks_document_position_unique";--> statement-breakpoint
ALTER TABLE "knowledge_chunks" ADD COLUMN "write_id" uuid DEFAULT '00000000-0000-0000-0000-000000000000' NOT NULL;--> statement-breakpoint
ALTER TABLE "knowledge_chunks" ALTER COLUMN "write_id" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "knowledge_postings" ADD COLUMN "write_id" uuid DEFAULT '00000000-0000-0000-0000-000000000000' NOT NULL;--> statement-breakpoint
ALTER TABLE "knowledge_postings" ALTER COLUMN "write_id" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "knowledge_postings" DROP CONSTRAINT "knowledge_postings_source_id_term_chunk_id_pk";--> statement-breakpoint
ALTER TABLE "knowledge_postings" ADD CONSTRAINT "knowledge_postings_source_id_term_chunk_id_pk" PRIMARY KEY ("source_id", "term", "chunk_id") INCLUDE ("term_frequency", "chunk_length", "write_id");--> statement-breakpoint
ALTER TABLE "knowledge_index_writes" ADD CONSTRAINT "knowledge_index_writes_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "knowledge_index_writes" ADD CONSTRAINT "knowledge_index_writes_source_id_knowledge_sources_id_fk" FOREIGN KEY ("source_id") REFERENCES "public"."knowledge_sources"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "knowledge_index_writes" ADD CONSTRAINT "knowledge_index_writes_document_id_knowledge_documents_id_fk" FOREIGN KEY ("document_id") REFERENCES "public"."knowledge_documents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "knowledge_index_writes_source_idx" ON "knowledge_index_writes" USING btree ("source_id");--> statement-breakpoint
CREATE INDEX "knowledge_index_writes_document_idx" ON "knowledge_index_writes" USING btree ("document_id");--> statement-breakpoint
CREATE UNIQUE INDEX "knowledge_chunks_document_write_position_unique" ON "knowledge_chunks" USING btree ("document_id","write_id","position");