import type { JobQueue, JobQueueDeps } from './job-queue.js';

export function createJobQueue(deps: JobQueueDeps): JobQueue {
  void deps;
  throw new Error('createJobQueue: not implemented yet');
}
