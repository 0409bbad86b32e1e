CREATE TABLE IF NOT EXISTS "model_prices" (
	"id" uuid PRIMARY KEY NOT NULL,
	"provider_kind" text NOT NULL,
	"model" text NOT NULL,
	"input_usd_per_million" double precision NOT NULL,
	"output_usd_per_million" double precision NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN IF NOT EXISTS "passages_found" integer;--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS "model_prices_kind_model_unique" ON "model_prices" USING btree ("provider_kind","model");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "conversations_tenant_created_idx" ON "conversations" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "messages_tenant_created_idx" ON "messages" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "tool_executions_tenant_created_idx" ON "tool_executions" USING btree ("tenant_id","created_at");
