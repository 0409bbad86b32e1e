-- A contact erased on request (docs/customer-service.md, "A contact's data on request"): the row stays, emptied,
-- so conversations, rating scores and usage keep their totals; this says when.
ALTER TABLE "contacts" ADD COLUMN IF NOT EXISTS "erased_at" timestamp with time zone;
