-- What the widget last knew of a visitor (page, referrer, language, time zone, browser, verified or not),
-- shown in the contact panel (docs/customer-service.md, "Contacts").
ALTER TABLE "contacts" ADD COLUMN IF NOT EXISTS "visitor" jsonb;
