/**
 * BullMQ (whose queue operations are all Lua scripts run with EVALSHA) against Respite: 200
 * jobs processed by 2 workers, a delayed job and a job that fails once and is retried; every
 * job completes exactly once.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Queue, Worker, type Job } from 'bullmq';
import { startRespite } from '../helpers/servers.js';
import type { RespiteServer } from '../../src/index.js';

let respite: RespiteServer;

before(async () => {
  respite = await startRespite();
});

after(async () => {
  await respite.close();
});

const JOBS = 200;

test('BullMQ: 200 jobs, 2 workers, a delayed and a retried job each complete exactly once', async () => {
  const connection = { host: '127.0.0.1', port: respite.port, maxRetriesPerRequest: null };
  const queue = new Queue('q', { connection });
  const completed = new Map<string, number>();
  let failedOnce = false;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const total = JOBS + 2;
  const processor = async (job: Job): Promise<string> => {
    if (job.name === 'flaky' && !failedOnce) {
      failedOnce = true;
      throw new Error('first attempt fails');
    }
    return `done ${job.data.i}`;
  };
  const workers = [new Worker('q', processor, { connection }), new Worker('q', processor, { connection })];
  for (const w of workers)
    w.on('completed', (job: Job) => {
      completed.set(job.id!, (completed.get(job.id!) ?? 0) + 1);
      if (completed.size === total) resolveDone();
    });
  try {
    const t0 = Date.now();
    await queue.add('delayed', { i: -1 }, { delay: 300 });
    await queue.add('flaky', { i: -2 }, { attempts: 3, backoff: { type: 'fixed', delay: 50 } });
    await queue.addBulk(Array.from({ length: JOBS }, (_, i) => ({ name: 'job', data: { i } })));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      done,
      new Promise((_, rej) => {
        timer = setTimeout(() => rej(new Error(`only ${completed.size}/${total} completed`)), 60_000);
      }),
    ]);
    clearTimeout(timer);
    assert.equal(completed.size, total);
    for (const [id, n] of completed) assert.equal(n, 1, `job ${id} completed ${n} times`);
    assert.ok(failedOnce);
    const counts = await queue.getJobCounts('completed', 'failed', 'waiting', 'delayed', 'active');
    assert.deepEqual(counts, { completed: total, failed: 0, waiting: 0, delayed: 0, active: 0 });
    const delayed = (await queue.getJobs(['completed'])).find((j) => j.name === 'delayed')!;
    assert.ok(delayed.processedOn! - t0 >= 300, 'the delayed job ran after its delay');
    const flaky = (await queue.getJobs(['completed'])).find((j) => j.name === 'flaky')!;
    assert.equal(flaky.attemptsMade, 2);
  } finally {
    await Promise.all(workers.map((w) => w.close()));
    await queue.close();
  }
});
