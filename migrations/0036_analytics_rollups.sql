CREATE TABLE IF NOT EXISTS "analytics_changes" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "analytics_changes_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"tenant_id" uuid NOT NULL,
	"day" date,
	"conversation_id" uuid,
	"support_conversation_id" uuid,
	"whole" boolean DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "analytics_conversation_facts" (
	"conversation_id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"agent_id" uuid,
	"inbox_id" uuid,
	"ai_response_ms" double precision
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "analytics_daily_activity" (
	"tenant_id" uuid NOT NULL,
	"day" date NOT NULL,
	"agent_key" uuid NOT NULL,
	"inbox_key" uuid NOT NULL,
	"tool_calls" integer NOT NULL,
	"tool_failures" integer NOT NULL,
	"ratings" integer NOT NULL,
	"rating_sum" integer NOT NULL,
	"rated_1" integer NOT NULL,
	"rated_2" integer NOT NULL,
	"rated_3" integer NOT NULL,
	"rated_4" integer NOT NULL,
	"rated_5" integer NOT NULL,
	CONSTRAINT "analytics_daily_activity_tenant_id_day_agent_key_inbox_key_pk" PRIMARY KEY("tenant_id","day","agent_key","inbox_key")
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "analytics_daily_conversations" (
	"tenant_id" uuid NOT NULL,
	"day" date NOT NULL,
	"agent_key" uuid NOT NULL,
	"inbox_key" uuid NOT NULL,
	"conversations" integer NOT NULL,
	"ai_responses" integer NOT NULL,
	"support_conversations" integer NOT NULL,
	"handed_off" integer NOT NULL,
	"ai_resolved" integer NOT NULL,
	"human_responses" integer NOT NULL,
	"resolutions" integer NOT NULL,
	CONSTRAINT "analytics_daily_conversations_tenant_id_day_agent_key_inbox_key_pk" PRIMARY KEY("tenant_id","day","agent_key","inbox_key")
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "analytics_daily_messages" (
	"tenant_id" uuid NOT NULL,
	"day" date NOT NULL,
	"agent_key" uuid NOT NULL,
	"inbox_key" uuid NOT NULL,
	"model" text NOT NULL,
	"user_messages" integer NOT NULL,
	"ai_messages" integer NOT NULL,
	"operator_messages" integer NOT NULL,
	"input_tokens" bigint NOT NULL,
	"output_tokens" bigint NOT NULL,
	"knowledge_queries" integer NOT NULL,
	"knowledge_empty" integer NOT NULL,
	"cited_replies" integer NOT NULL,
	CONSTRAINT "analytics_daily_messages_tenant_id_day_agent_key_inbox_key_model_pk" PRIMARY KEY("tenant_id","day","agent_key","inbox_key","model")
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "analytics_daily_people" (
	"tenant_id" uuid NOT NULL,
	"day" date NOT NULL,
	"agent_key" uuid NOT NULL,
	"inbox_key" uuid NOT NULL,
	"is_contact" boolean NOT NULL,
	"person_id" uuid NOT NULL,
	CONSTRAINT "analytics_daily_people_tenant_id_day_agent_key_inbox_key_is_contact_person_id_pk" PRIMARY KEY("tenant_id","day","agent_key","inbox_key","is_contact","person_id")
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "analytics_support_facts" (
	"support_conversation_id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"agent_id" uuid,
	"inbox_id" uuid NOT NULL,
	"handed_off" boolean NOT NULL,
	"ai_resolved" boolean NOT NULL,
	"human_response_ms" double precision,
	"resolution_ms" double precision
);
--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "analytics_conversation_facts" ADD CONSTRAINT "analytics_conversation_facts_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "analytics_daily_activity" ADD CONSTRAINT "analytics_daily_activity_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "analytics_daily_conversations" ADD CONSTRAINT "analytics_daily_conversations_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "analytics_daily_messages" ADD CONSTRAINT "analytics_daily_messages_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "analytics_daily_people" ADD CONSTRAINT "analytics_daily_people_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "analytics_support_facts" ADD CONSTRAINT "analytics_support_facts_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "analytics_changes_tenant_idx" ON "analytics_changes" USING btree ("tenant_id","id");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "analytics_conversation_facts_created_idx" ON "analytics_conversation_facts" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "analytics_conversation_facts_ai_response_idx" ON "analytics_conversation_facts" USING btree ("tenant_id","ai_response_ms","created_at","agent_id","inbox_id") WHERE "analytics_conversation_facts"."ai_response_ms" is not null;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "analytics_support_facts_created_idx" ON "analytics_support_facts" USING btree ("tenant_id","created_at","agent_id","inbox_id","human_response_ms","resolution_ms");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "analytics_support_facts_human_response_idx" ON "analytics_support_facts" USING btree ("tenant_id","human_response_ms","created_at","agent_id","inbox_id") WHERE "analytics_support_facts"."human_response_ms" is not null;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "analytics_support_facts_resolution_idx" ON "analytics_support_facts" USING btree ("tenant_id","resolution_ms","created_at","agent_id","inbox_id") WHERE "analytics_support_facts"."resolution_ms" is not null;--> statement-breakpoint
-- Analytics rollups (docs/analytics.md). Every change to a row the overview counts is noted in
-- analytics_changes by the triggers below, in the writer's own transaction: a change is noted if and
-- only if it commits, and the job that recounts what was noted sees it. Inserts and deletes are noted
-- once a statement (a transition table named `changed`), updates once a row and only when a counted
-- column changed (streaming, read receipts and the like are not noted).
CREATE OR REPLACE FUNCTION "analytics_note_rows"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'messages' THEN
    INSERT INTO analytics_changes (tenant_id, day, conversation_id)
      SELECT DISTINCT tenant_id, (created_at AT TIME ZONE 'UTC')::date, conversation_id FROM changed;
  ELSIF TG_TABLE_NAME = 'conversations' THEN
    INSERT INTO analytics_changes (tenant_id, conversation_id) SELECT tenant_id, id FROM changed;
  ELSIF TG_TABLE_NAME = 'support_conversations' THEN
    INSERT INTO analytics_changes (tenant_id, conversation_id, support_conversation_id, whole)
      SELECT tenant_id, conversation_id, id, true FROM changed;
  ELSIF TG_TABLE_NAME = 'support_events' THEN
    INSERT INTO analytics_changes (tenant_id, support_conversation_id)
      SELECT DISTINCT tenant_id, support_conversation_id FROM changed;
  ELSE -- support_ratings, tool_executions
    INSERT INTO analytics_changes (tenant_id, day)
      SELECT DISTINCT tenant_id, (created_at AT TIME ZONE 'UTC')::date FROM changed;
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION "analytics_note_row"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'messages' THEN
    INSERT INTO analytics_changes (tenant_id, day, conversation_id) VALUES
      (OLD.tenant_id, (OLD.created_at AT TIME ZONE 'UTC')::date, OLD.conversation_id),
      (NEW.tenant_id, (NEW.created_at AT TIME ZONE 'UTC')::date, NEW.conversation_id);
  ELSIF TG_TABLE_NAME = 'conversations' THEN
    INSERT INTO analytics_changes (tenant_id, conversation_id, whole) VALUES (NEW.tenant_id, NEW.id, true);
  ELSIF TG_TABLE_NAME = 'support_conversations' THEN
    INSERT INTO analytics_changes (tenant_id, conversation_id, support_conversation_id, whole) VALUES
      (OLD.tenant_id, OLD.conversation_id, OLD.id, true), (NEW.tenant_id, NEW.conversation_id, NEW.id, true);
  ELSIF TG_TABLE_NAME = 'tool_executions' THEN
    INSERT INTO analytics_changes (tenant_id, day, conversation_id) VALUES
      (OLD.tenant_id, (OLD.created_at AT TIME ZONE 'UTC')::date, NULL),
      (NEW.tenant_id, (NEW.created_at AT TIME ZONE 'UTC')::date, NULL);
  ELSE -- support_ratings
    INSERT INTO analytics_changes (tenant_id, day) VALUES
      (OLD.tenant_id, (OLD.created_at AT TIME ZONE 'UTC')::date),
      (NEW.tenant_id, (NEW.created_at AT TIME ZONE 'UTC')::date);
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
DROP TRIGGER IF EXISTS "analytics_messages_inserted" ON "messages";--> statement-breakpoint
CREATE TRIGGER "analytics_messages_inserted" AFTER INSERT ON "messages"
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "analytics_note_rows"();--> statement-breakpoint
DROP TRIGGER IF EXISTS "analytics_messages_deleted" ON "messages";--> statement-breakpoint
CREATE TRIGGER "analytics_messages_deleted" AFTER DELETE ON "messages"
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "analytics_note_rows"();--> statement-breakpoint
DROP TRIGGER IF EXISTS "analytics_messages_updated" ON "messages";--> statement-breakpoint
CREATE TRIGGER "analytics_messages_updated" AFTER UPDATE ON "messages" FOR EACH ROW
  WHEN ((OLD.role, OLD.status, OLD.model, OLD.input_tokens, OLD.output_tokens, OLD.passages_found, OLD.citations,
         OLD.author_id, OLD.created_at, OLD.completed_at, OLD.conversation_id, OLD.tenant_id)
    IS DISTINCT FROM (NEW.role, NEW.status, NEW.model, NEW.input_tokens, NEW.output_tokens, NEW.passages_found,
         NEW.citations, NEW.author_id, NEW.created_at, NEW.completed_at, NEW.conversation_id, NEW.tenant_id))
  EXECUTE FUNCTION "analytics_note_row"();--> statement-breakpoint
DROP TRIGGER IF EXISTS "analytics_conversations_inserted" ON "conversations";--> statement-breakpoint
CREATE TRIGGER "analytics_conversations_inserted" AFTER INSERT ON "conversations"
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "analytics_note_rows"();--> statement-breakpoint
DROP TRIGGER IF EXISTS "analytics_conversations_deleted" ON "conversations";--> statement-breakpoint
CREATE TRIGGER "analytics_conversations_deleted" AFTER DELETE ON "conversations"
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "analytics_note_rows"();--> statement-breakpoint
DROP TRIGGER IF EXISTS "analytics_conversations_updated" ON "conversations";--> statement-breakpoint
CREATE TRIGGER "analytics_conversations_updated" AFTER UPDATE ON "conversations" FOR EACH ROW
  WHEN ((OLD.agent_id, OLD.owner_id, OLD.created_at) IS DISTINCT FROM (NEW.agent_id, NEW.owner_id, NEW.created_at))
  EXECUTE FUNCTION "analytics_note_row"();--> statement-breakpoint
DROP TRIGGER IF EXISTS "analytics_support_conversations_inserted" ON "support_conversations";--> statement-breakpoint
CREATE TRIGGER "analytics_support_conversations_inserted" AFTER INSERT ON "support_conversations"
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "analytics_note_rows"();--> statement-breakpoint
DROP TRIGGER IF EXISTS "analytics_support_conversations_deleted" ON "support_conversations";--> statement-breakpoint
CREATE TRIGGER "analytics_support_conversations_deleted" AFTER DELETE ON "support_conversations"
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "analytics_note_rows"();--> statement-breakpoint
DROP TRIGGER IF EXISTS "analytics_support_conversations_updated" ON "support_conversations";--> statement-breakpoint
CREATE TRIGGER "analytics_support_conversations_updated" AFTER UPDATE ON "support_conversations" FOR EACH ROW
  WHEN ((OLD.inbox_id, OLD.contact_id, OLD.conversation_id, OLD.created_at)
    IS DISTINCT FROM (NEW.inbox_id, NEW.contact_id, NEW.conversation_id, NEW.created_at))
  EXECUTE FUNCTION "analytics_note_row"();--> statement-breakpoint
DROP TRIGGER IF EXISTS "analytics_support_events_inserted" ON "support_events";--> statement-breakpoint
CREATE TRIGGER "analytics_support_events_inserted" AFTER INSERT ON "support_events"
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "analytics_note_rows"();--> statement-breakpoint
DROP TRIGGER IF EXISTS "analytics_support_events_deleted" ON "support_events";--> statement-breakpoint
CREATE TRIGGER "analytics_support_events_deleted" AFTER DELETE ON "support_events"
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "analytics_note_rows"();--> statement-breakpoint
DROP TRIGGER IF EXISTS "analytics_support_ratings_inserted" ON "support_ratings";--> statement-breakpoint
CREATE TRIGGER "analytics_support_ratings_inserted" AFTER INSERT ON "support_ratings"
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "analytics_note_rows"();--> statement-breakpoint
DROP TRIGGER IF EXISTS "analytics_support_ratings_deleted" ON "support_ratings";--> statement-breakpoint
CREATE TRIGGER "analytics_support_ratings_deleted" AFTER DELETE ON "support_ratings"
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "analytics_note_rows"();--> statement-breakpoint
DROP TRIGGER IF EXISTS "analytics_support_ratings_updated" ON "support_ratings";--> statement-breakpoint
CREATE TRIGGER "analytics_support_ratings_updated" AFTER UPDATE ON "support_ratings" FOR EACH ROW
  WHEN ((OLD.rating, OLD.created_at, OLD.support_conversation_id)
    IS DISTINCT FROM (NEW.rating, NEW.created_at, NEW.support_conversation_id))
  EXECUTE FUNCTION "analytics_note_row"();--> statement-breakpoint
DROP TRIGGER IF EXISTS "analytics_tool_executions_inserted" ON "tool_executions";--> statement-breakpoint
CREATE TRIGGER "analytics_tool_executions_inserted" AFTER INSERT ON "tool_executions"
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "analytics_note_rows"();--> statement-breakpoint
DROP TRIGGER IF EXISTS "analytics_tool_executions_deleted" ON "tool_executions";--> statement-breakpoint
CREATE TRIGGER "analytics_tool_executions_deleted" AFTER DELETE ON "tool_executions"
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "analytics_note_rows"();--> statement-breakpoint
DROP TRIGGER IF EXISTS "analytics_tool_executions_updated" ON "tool_executions";--> statement-breakpoint
CREATE TRIGGER "analytics_tool_executions_updated" AFTER UPDATE ON "tool_executions" FOR EACH ROW
  WHEN ((OLD.outcome, OLD.agent_id, OLD.conversation_id, OLD.created_at)
    IS DISTINCT FROM (NEW.outcome, NEW.agent_id, NEW.conversation_id, NEW.created_at))
  EXECUTE FUNCTION "analytics_note_row"();--> statement-breakpoint
-- Existing installs: every tenant is rolled up from scratch by the first pass after the upgrade.
INSERT INTO "analytics_changes" ("tenant_id") SELECT "id" FROM "tenants";
