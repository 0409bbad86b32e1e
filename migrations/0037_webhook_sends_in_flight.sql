-- An endpoint's sends in flight, which the delivery claim counts to keep one that hangs from taking every slot.
CREATE INDEX IF NOT EXISTS "webhook_deliveries_in_flight_idx" ON "webhook_deliveries" USING btree ("endpoint_id","claimed_at") WHERE status = 'delivering';
