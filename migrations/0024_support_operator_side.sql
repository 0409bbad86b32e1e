CREATE TABLE IF NOT EXISTS "operator_presence" (
	"tenant_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"node_id" uuid NOT NULL,
	"connections" integer NOT NULL,
	"is_away" boolean DEFAULT false NOT NULL,
	"seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "operator_presence_user_id_node_id_pk" PRIMARY KEY("user_id","node_id")
);--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN IF NOT EXISTS "author_id" uuid;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN IF NOT EXISTS "author_name" text;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN IF NOT EXISTS "client_message_id" text;--> statement-breakpoint
ALTER TABLE "inboxes" ADD COLUMN IF NOT EXISTS "is_auto_assign_enabled" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "inboxes" ADD COLUMN IF NOT EXISTS "operator_capacity" integer DEFAULT 5 NOT NULL;--> statement-breakpoint
ALTER TABLE "support_conversations" ADD COLUMN IF NOT EXISTS "summary" text;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "operator_presence" ADD CONSTRAINT "operator_presence_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object OR duplicate_table THEN NULL;
END $$;--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "operator_presence" ADD CONSTRAINT "operator_presence_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object OR duplicate_table THEN NULL;
END $$;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "operator_presence_tenant_idx" ON "operator_presence" USING btree ("tenant_id","seen_at");--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "messages" ADD CONSTRAINT "messages_author_id_users_id_fk" FOREIGN KEY ("author_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;
EXCEPTION WHEN duplicate_object OR duplicate_table THEN NULL;
END $$;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "messages_author_idx" ON "messages" USING btree ("author_id") WHERE "messages"."author_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS "messages_client_message_unique" ON "messages" USING btree ("conversation_id","client_message_id") WHERE "messages"."client_message_id" is not null;
