-- Budget reservations: each model call reserves its estimate before it starts and is charged its actual
-- use when it ends; the counters keep the sum of the live reservations, the rows let the sweep give back
-- one a dead node never settled.
CREATE TABLE IF NOT EXISTS "budget_reservations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"month" date NOT NULL,
	"tokens" bigint NOT NULL,
	"cost_micros" bigint NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "tenant_monthly_usage" ADD COLUMN IF NOT EXISTS "reserved_tokens" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "tenant_monthly_usage" ADD COLUMN IF NOT EXISTS "reserved_cost_micros" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "budget_reservations" ADD CONSTRAINT "budget_reservations_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "budget_reservations_tenant_idx" ON "budget_reservations" USING btree ("tenant_id");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "budget_reservations_expires_idx" ON "budget_reservations" USING btree ("expires_at");
