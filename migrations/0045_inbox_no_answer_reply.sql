-- What the AI replies word for word when it cannot answer (docs/customer-service.md, "Handing over").
ALTER TABLE "inboxes" ADD COLUMN IF NOT EXISTS "no_answer_reply" text DEFAULT '' NOT NULL;
