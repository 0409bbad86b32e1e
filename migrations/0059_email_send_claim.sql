-- A send job's claim on an outbound mail (issue 66's chaos run found one mail sent twice): the job claims the
-- mail before it talks to the SMTP server, so a twin job, or a retry after the database blinked between the
-- server's 250 and the `sent` mark, finds it claimed and sends nothing (docs/customer-service.md).
ALTER TABLE "email_messages" ADD COLUMN IF NOT EXISTS "sending_until" timestamp with time zone;
