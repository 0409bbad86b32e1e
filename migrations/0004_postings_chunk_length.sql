-- BM25 scored from the postings alone (ADR 10): each posting carries its chunk's length, and the
-- primary key's index carries what scoring reads, so a term's postings come from an index-only scan
-- instead of a heap fetch per posting plus a knowledge_chunks lookup. Hand-edited after generation:
-- existing postings are backfilled before the column becomes NOT NULL, and Drizzle cannot declare INCLUDE.
ALTER TABLE "knowledge_postings" ADD COLUMN "chunk_length" integer;--> statement-breakpoint
UPDATE "knowledge_postings" AS p SET "chunk_length" = c."term_count" FROM "knowledge_chunks" AS c WHERE c."id" = p."chunk_id";--> statement-breakpoint
ALTER TABLE "knowledge_postings" ALTER COLUMN "chunk_length" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "knowledge_postings" DROP CONSTRAINT "knowledge_postings_source_id_term_chunk_id_pk";--> statement-breakpoint
ALTER TABLE "knowledge_postings" ADD CONSTRAINT "knowledge_postings_source_id_term_chunk_id_pk" PRIMARY KEY ("source_id", "term", "chunk_id") INCLUDE ("term_frequency", "chunk_length");
