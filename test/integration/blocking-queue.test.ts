/**
 * A reliable work queue the way applications build one with a real client (ioredis): a
 * producer LPUSHes 100,000 jobs in pipelined batches while 4 consumers loop on
 * BLMOVE src dst RIGHT LEFT 1. Every job must be delivered exactly once, and end up in the
 * processing list.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startRespite } from '../helpers/servers.js';
import type { RespiteServer } from '../../src/index.js';

let respite: RespiteServer;

before(async () => {
  respite = await startRespite();
});

after(async () => {
  await respite.close();
});

const JOBS = 100_000;
const BATCH = 500;
const CONSUMERS = 4;

test('100,000 jobs pushed in pipelined batches are each delivered once to 4 BLMOVE consumers', async () => {
  const client = () => new Redis({ host: '127.0.0.1', port: respite.port, maxRetriesPerRequest: 0 });
  const producer = client();
  const consumers = Array.from({ length: CONSUMERS }, client);
  try {
    const seen = new Map<string, number>();
    let delivered = 0;
    let blockedAtLeastOnce = false;
    const consume = async (r: Redis): Promise<number> => {
      let mine = 0;
      for (;;) {
        const job = await r.blmove('jobs', 'processing', 'RIGHT', 'LEFT', 1);
        if (job === null) continue;
        if (job === 'stop') return mine;
        seen.set(job, (seen.get(job) ?? 0) + 1);
        delivered++;
        mine++;
      }
    };
    const running = consumers.map(consume);
    // Let the consumers block on the empty queue first.
    for (let i = 0; i < 100 && respite.server.blocking.blockedClients < CONSUMERS; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    blockedAtLeastOnce = respite.server.blocking.blockedClients === CONSUMERS;
    for (let start = 0; start < JOBS; start += BATCH * 10) {
      const pipeline = producer.pipeline();
      for (let b = start; b < Math.min(JOBS, start + BATCH * 10); b += BATCH) {
        const jobs: string[] = [];
        for (let j = b; j < Math.min(JOBS, b + BATCH); j++) jobs.push(`job:${j}`);
        pipeline.lpush('jobs', ...jobs);
      }
      const results = await pipeline.exec();
      for (const [err] of results!) assert.equal(err, null);
    }
    while (delivered < JOBS) await new Promise((r) => setTimeout(r, 5));
    await producer.rpush('jobs', ...Array.from({ length: CONSUMERS }, () => 'stop'));
    const perConsumer = await Promise.all(running);

    assert.ok(blockedAtLeastOnce, 'the consumers were blocked before the first push');
    assert.equal(delivered, JOBS);
    assert.equal(seen.size, JOBS, 'every job delivered');
    for (const [job, n] of seen) assert.equal(n, 1, `${job} delivered once`);
    assert.equal(
      perConsumer.reduce((a, b) => a + b, 0),
      JOBS,
    );
    assert.ok(
      perConsumer.every((n) => n > 0),
      `every consumer got work: ${perConsumer.join(' ')}`,
    );
    assert.equal(await producer.llen('jobs'), 0);
    assert.equal(await producer.llen('processing'), JOBS + CONSUMERS);
    assert.equal(respite.server.blocking.blockedClients, 0);
  } finally {
    producer.disconnect();
    for (const c of consumers) c.disconnect();
  }
});
