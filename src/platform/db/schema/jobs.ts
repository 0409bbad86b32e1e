import { pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * The jobs a live node is running, on PostgreSQL (platform/jobs/job-leases.ts). The node renews its rows
 * while their handlers run; a row left unrenewed past the lease belongs to a node that has died, and
 * any node sends that job to its retry. pg-boss 10 has no heartbeat of its own: without this, such a job
 * waited out its whole expiry (15 minutes for an ingestion), its document showing `processing` all along.
 */
export const jobLeases = pgTable('job_leases', {
  jobId: uuid('job_id').primaryKey(),
  queue: text('queue').notNull(),
  renewedAt: timestamp('renewed_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});
