export type {
  BatchedJob,
  BatchJobHandler,
  JobContext,
  JobHandler,
  JobQueue,
  JobQueueDeps,
  SendOptions,
  WorkOptions,
} from './job-queue.js';
export { createJobQueue } from './create-job-queue.js';
