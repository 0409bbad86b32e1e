-- Evaluations (issue 67, docs/agents.md): sets of cases, runs of a set against one or two versions of an
-- agent (a snapshot of the cases and the arms taken when the run starts), one result per case and arm, and
-- the optional gate that makes publishing wait for a run on a named set.
CREATE TABLE IF NOT EXISTS "evaluation_cases" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"set_id" uuid NOT NULL,
	"messages" jsonb NOT NULL,
	"expectations" jsonb NOT NULL,
	"note" text DEFAULT '' NOT NULL,
	"origin" text NOT NULL,
	"source_conversation_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "evaluation_gates" (
	"agent_id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"set_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "evaluation_results" (
	"tenant_id" uuid NOT NULL,
	"run_id" uuid NOT NULL,
	"case_index" integer NOT NULL,
	"arm" smallint NOT NULL,
	"answer" text NOT NULL,
	"citations" jsonb NOT NULL,
	"is_handoff" boolean NOT NULL,
	"input_tokens" integer NOT NULL,
	"output_tokens" integer NOT NULL,
	"cost_micros" bigint,
	"latency_ms" integer NOT NULL,
	"checks" jsonb NOT NULL,
	"is_passed" boolean NOT NULL,
	"judgement" jsonb,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "evaluation_results_run_id_case_index_arm_pk" PRIMARY KEY("run_id","case_index","arm")
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "evaluation_runs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"set_id" uuid,
	"set_name" text NOT NULL,
	"agent_id" uuid NOT NULL,
	"arms" jsonb NOT NULL,
	"cases" jsonb NOT NULL,
	"judge_model" text,
	"status" text NOT NULL,
	"is_stop_requested" boolean DEFAULT false NOT NULL,
	"summary" jsonb,
	"error" text,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "evaluation_sets" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "evaluation_cases" ADD CONSTRAINT "evaluation_cases_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "evaluation_cases" ADD CONSTRAINT "evaluation_cases_set_id_evaluation_sets_id_fk" FOREIGN KEY ("set_id") REFERENCES "public"."evaluation_sets"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "evaluation_gates" ADD CONSTRAINT "evaluation_gates_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "evaluation_gates" ADD CONSTRAINT "evaluation_gates_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "evaluation_gates" ADD CONSTRAINT "evaluation_gates_set_id_evaluation_sets_id_fk" FOREIGN KEY ("set_id") REFERENCES "public"."evaluation_sets"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "evaluation_results" ADD CONSTRAINT "evaluation_results_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "evaluation_results" ADD CONSTRAINT "evaluation_results_run_id_evaluation_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."evaluation_runs"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "evaluation_runs" ADD CONSTRAINT "evaluation_runs_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "evaluation_runs" ADD CONSTRAINT "evaluation_runs_set_id_evaluation_sets_id_fk" FOREIGN KEY ("set_id") REFERENCES "public"."evaluation_sets"("id") ON DELETE set null ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "evaluation_runs" ADD CONSTRAINT "evaluation_runs_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "evaluation_runs" ADD CONSTRAINT "evaluation_runs_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "evaluation_sets" ADD CONSTRAINT "evaluation_sets_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "evaluation_sets" ADD CONSTRAINT "evaluation_sets_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "evaluation_cases_set_created_idx" ON "evaluation_cases" USING btree ("set_id","created_at");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "evaluation_cases_tenant_idx" ON "evaluation_cases" USING btree ("tenant_id");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "evaluation_gates_tenant_idx" ON "evaluation_gates" USING btree ("tenant_id");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "evaluation_gates_set_idx" ON "evaluation_gates" USING btree ("set_id");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "evaluation_results_tenant_idx" ON "evaluation_results" USING btree ("tenant_id");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "evaluation_runs_tenant_agent_created_idx" ON "evaluation_runs" USING btree ("tenant_id","agent_id","created_at");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "evaluation_runs_set_idx" ON "evaluation_runs" USING btree ("set_id");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "evaluation_runs_created_by_idx" ON "evaluation_runs" USING btree ("created_by");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "evaluation_runs_agent_idx" ON "evaluation_runs" USING btree ("agent_id");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "evaluation_sets_tenant_created_idx" ON "evaluation_sets" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "evaluation_sets_created_by_idx" ON "evaluation_sets" USING btree ("created_by");