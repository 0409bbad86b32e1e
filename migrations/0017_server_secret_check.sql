CREATE TABLE IF NOT EXISTS "server_secret_check" (
	"id" boolean PRIMARY KEY DEFAULT true NOT NULL,
	"fingerprint" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "server_secret_check_one_row" CHECK ("server_secret_check"."id")
);
