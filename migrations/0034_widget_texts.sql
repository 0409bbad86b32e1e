ALTER TABLE "inboxes" ADD COLUMN IF NOT EXISTS "widget_texts" jsonb DEFAULT '{}'::jsonb NOT NULL;
