CREATE TABLE IF NOT EXISTS "knowledge_term_spellings" (
	"tenant_id" uuid NOT NULL,
	"source_id" uuid NOT NULL,
	"term" text NOT NULL,
	"spelling" text NOT NULL,
	"chunk_frequency" integer NOT NULL,
	CONSTRAINT "knowledge_term_spellings_source_id_term_spelling_pk" PRIMARY KEY("source_id","term","spelling")
);
--> statement-breakpoint
ALTER TABLE "knowledge_postings" ADD COLUMN IF NOT EXISTS "spelling" text;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "knowledge_term_spellings" ADD CONSTRAINT "knowledge_term_spellings_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "knowledge_term_spellings" ADD CONSTRAINT "knowledge_term_spellings_source_id_knowledge_sources_id_fk" FOREIGN KEY ("source_id") REFERENCES "public"."knowledge_sources"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;