/**
 * A BullMQ worker in a child process for the stalled-job scenario (test/helpers/bullmq-scenario.ts):
 * it takes one job from the queue named in argv, tells its parent the job id over IPC and then
 * hangs, holding the job's lock, until the parent SIGKILLs it.
 * Usage: node bullmq-stall-worker.js PORT PREFIX QUEUE LOCK_MS
 */
import { Worker } from 'bullmq';

const [port, prefix, queue, lockMs] = process.argv.slice(2);
const worker = new Worker(
  queue,
  async (job) => {
    process.send!({ took: job.id });
    await new Promise(() => {}); // never finishes: only SIGKILL ends this process
  },
  {
    connection: { host: '127.0.0.1', port: Number(port), maxRetriesPerRequest: null },
    prefix,
    concurrency: 1,
    lockDuration: Number(lockMs),
    drainDelay: 1,
  },
);
worker.on('error', (e) => process.send!({ error: String(e) }));
