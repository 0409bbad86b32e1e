-- An endpoint's waiting deliveries, oldest due first: a send to it that ends takes the next ones (a kick), not the minute sweep.
CREATE INDEX IF NOT EXISTS "webhook_deliveries_endpoint_waiting_idx" ON "webhook_deliveries" USING btree ("endpoint_id","next_attempt_at") WHERE status = 'pending';
