CREATE TABLE IF NOT EXISTS "budget_threshold_events" (
	"tenant_id" uuid NOT NULL,
	"budget" text NOT NULL,
	"period" date NOT NULL,
	"percent" integer NOT NULL,
	"used" bigint NOT NULL,
	"budget_limit" bigint NOT NULL,
	"reached_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "budget_threshold_events_tenant_id_budget_period_percent_pk" PRIMARY KEY("tenant_id","budget","period","percent")
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "tenant_budgets" (
	"tenant_id" uuid PRIMARY KEY NOT NULL,
	"monthly_tokens" bigint,
	"monthly_cost_micros" bigint,
	"daily_messages_per_user" integer,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "tenant_monthly_usage" (
	"tenant_id" uuid NOT NULL,
	"month" date NOT NULL,
	"input_tokens" bigint DEFAULT 0 NOT NULL,
	"output_tokens" bigint DEFAULT 0 NOT NULL,
	"cost_micros" bigint DEFAULT 0 NOT NULL,
	"model_calls" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tenant_monthly_usage_tenant_id_month_pk" PRIMARY KEY("tenant_id","month")
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "user_daily_messages" (
	"tenant_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"day" date NOT NULL,
	"messages" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "user_daily_messages_tenant_id_user_id_day_pk" PRIMARY KEY("tenant_id","user_id","day")
);
--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "budget_threshold_events" ADD CONSTRAINT "budget_threshold_events_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object OR duplicate_table THEN NULL;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "tenant_budgets" ADD CONSTRAINT "tenant_budgets_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object OR duplicate_table THEN NULL;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "tenant_monthly_usage" ADD CONSTRAINT "tenant_monthly_usage_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object OR duplicate_table THEN NULL;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "user_daily_messages" ADD CONSTRAINT "user_daily_messages_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object OR duplicate_table THEN NULL;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "user_daily_messages" ADD CONSTRAINT "user_daily_messages_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object OR duplicate_table THEN NULL;
END $$;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "user_daily_messages_user_idx" ON "user_daily_messages" USING btree ("user_id");