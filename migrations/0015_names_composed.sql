-- Names and titles people read are stored composed (NFC) since 2026-11-25: "Café" typed with a separate
-- accent is the same name as "Café" typed whole. Rows written before are composed here. Where a name is
-- unique per tenant, a row whose composed form another row of the tenant already has (or would get) is
-- left as it is, rather than fail the migration on the unique index.
UPDATE "agents" SET "name" = normalize("name", NFC) WHERE "name" IS NOT NFC NORMALIZED;--> statement-breakpoint
UPDATE "users" SET "display_name" = normalize("display_name", NFC) WHERE "display_name" IS NOT NFC NORMALIZED;--> statement-breakpoint
UPDATE "tenants" SET "name" = normalize("name", NFC) WHERE "name" IS NOT NFC NORMALIZED;--> statement-breakpoint
UPDATE "projects" SET "name" = normalize("name", NFC) WHERE "name" IS NOT NFC NORMALIZED;--> statement-breakpoint
UPDATE "conversations" SET "title" = normalize("title", NFC) WHERE "title" IS NOT NFC NORMALIZED;--> statement-breakpoint
UPDATE "api_keys" SET "name" = normalize("name", NFC) WHERE "name" IS NOT NFC NORMALIZED;--> statement-breakpoint
UPDATE "knowledge_sources" AS "source" SET "name" = normalize("source"."name", NFC)
WHERE "source"."name" IS NOT NFC NORMALIZED AND NOT EXISTS (
  SELECT 1 FROM "knowledge_sources" AS "other"
  WHERE "other"."tenant_id" = "source"."tenant_id" AND "other"."id" <> "source"."id"
    AND "other"."deleted_at" IS NULL AND normalize("other"."name", NFC) = normalize("source"."name", NFC)
);--> statement-breakpoint
UPDATE "mcp_servers" AS "server" SET "name" = normalize("server"."name", NFC)
WHERE "server"."name" IS NOT NFC NORMALIZED AND NOT EXISTS (
  SELECT 1 FROM "mcp_servers" AS "other"
  WHERE "other"."tenant_id" = "server"."tenant_id" AND "other"."id" <> "server"."id"
    AND normalize("other"."name", NFC) = normalize("server"."name", NFC)
);
