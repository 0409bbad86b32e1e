-- A knowledge source may name a reranking model (`provider:model`) that reorders hybrid search's best
-- candidates; null, the default, searches without one.
ALTER TABLE "knowledge_sources" ADD COLUMN "rerank_model" text;
