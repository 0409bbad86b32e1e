-- Which index version wrote each document's searched passages (docs/knowledge.md, issue 64): 0 for every
-- document indexed before, which has no spellings and, on an offline source, vectors of the first offline
-- features; the start-up pass reindexes those in the background (knowledge/ingestion/index-refresh.ts).
ALTER TABLE "knowledge_documents" ADD COLUMN IF NOT EXISTS "index_version" smallint DEFAULT 0 NOT NULL;
