-- Single sign-on finds a user by the provider's subject first (docs/sso.md): an index that matches it,
-- which also serves the connection's foreign key, so the index on connection_id alone goes. Not unique:
-- before subjects were matched, an address changed at the provider made a second user with one subject.
CREATE INDEX IF NOT EXISTS "sso_identities_connection_subject_idx" ON "sso_identities" USING btree ("connection_id","subject");--> statement-breakpoint
DROP INDEX IF EXISTS "sso_identities_connection_idx";
