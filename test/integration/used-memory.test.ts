/**
 * INFO used_memory is what maxmemory and eviction act on, so it must track what the dataset
 * really costs the process. Measured from outside: the growth of the server process's RSS
 * (/proc/<pid>/status) while a dataset is built inside the server, with V8's young generation
 * capped at 1 MB (its growth is the runtime's, not the dataset's), once V8 has given its free
 * pages back (MEMORY PURGE runs a full GC; V8's memory reducer returns pages when idle).
 * RSS also holds allocator slack and heap-page fragmentation, hence a 30% tolerance (the
 * ratios measured are 0.78–0.89; before the types counted their off-heap arrays a list-only
 * dataset measured 0.11).
 *
 * List chunks, stream nodes and skiplist columns live in ArrayBuffers outside V8's heap: the
 * types count them (src/store/external.ts), and the list/stream test proves the count.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { startRespiteProcess } from '../helpers/servers.js';

let r: Redis;
let pid = 0;

function rss(): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
}

async function usedMemory(): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await r.info('memory'))![1]);
}

/**
 * RSS once V8 has given back the pages it freed: after a full GC, V8's memory reducer returns
 * them within seconds of idleness. Waits (bounded) until two readings a second apart agree.
 */
async function settledRss(): Promise<number> {
  let last = -1;
  const deadline = Date.now() + 40000;
  while (Date.now() < deadline) {
    await r.memory('PURGE');
    await new Promise((res) => setTimeout(res, 1000));
    const now = rss();
    if (last > 0 && Math.abs(now - last) < 256 * 1024) return now;
    last = now;
  }
  return last;
}

/** Runs `body` for i = 1..n (g = i % 10, p = prefix) in scripts of 10,000 iterations. */
async function script(body: string, prefix: string, n: number): Promise<void> {
  const lua = `local p, b = ARGV[1], tonumber(ARGV[2])
    for i = b * 10000 + 1, b * 10000 + 10000 do local g = i % 10 ${body} end`;
  for (let b = 0; b < n / 10000; b++) await r.eval(lua, 0, prefix, b);
}

/** A server of its own per test: memory a previous dataset freed would be reused, not grown. */
async function withServer(t: TestContext, nodeArgs: string[] = []): Promise<void> {
  const server = await startRespiteProcess(['--save', '', '--enable-debug-command', 'yes'], nodeArgs);
  r = new Redis({ host: '127.0.0.1', port: server.port, maxRetriesPerRequest: 1 });
  t.after(async () => {
    r.disconnect();
    await server.stop();
  });
  // main.js may re-execute itself with a heap limit: the data lives in the process INFO names.
  pid = Number(/process_id:(\d+)/.exec(await r.info('server'))![1]);
}

/** Builds the dataset (inside the server: no client traffic grows buffers meanwhile). */
async function measure(build: (prefix: string) => Promise<void>): Promise<{ dRss: number; dUsed: number }> {
  const rss0 = await settledRss();
  const used0 = await usedMemory();
  await build('');
  const dRss = (await settledRss()) - rss0;
  const dUsed = (await usedMemory()) - used0;
  return { dRss, dUsed };
}

function describe(m: { dRss: number; dUsed: number }): string {
  const ratio = (m.dUsed / m.dRss).toFixed(2);
  return `used_memory grew ${(m.dUsed / 1e6).toFixed(1)} MB, RSS ${(m.dRss / 1e6).toFixed(1)} MB (ratio ${ratio})`;
}

test('used_memory tracks the growth of the process RSS within 30% for strings, hashes, sets and sorted sets', async (t) => {
  // A young generation capped at 1 MB instead of a warm-up build: that build's freed off-heap
  // tables would stay in malloc's arena, where the measured build would reuse them unseen.
  await withServer(t, ['--max-semi-space-size=1']);
  const build = async (prefix: string) => {
    await r.debug('POPULATE', 200000, `${prefix}key`, 48);
    await script(
      `redis.call('HSET', p .. 'h:' .. g, 'field:' .. i, 'val:' .. i)
       redis.call('SADD', p .. 's:' .. g, 'member:' .. i)
       redis.call('ZADD', p .. 'z:' .. g, i, 'm:' .. i)`,
      prefix,
      100000,
    );
  };
  const m = await measure(build);
  assert.equal(await r.dbsize(), 200000 + 3 * 10);
  t.diagnostic(describe(m));
  const ratio = m.dUsed / m.dRss;
  assert.ok(ratio >= 0.7 && ratio <= 1.3, describe(m));
});

test('used_memory tracks the growth of the process RSS within 30% for lists and streams (off-heap chunks)', async (t) => {
  // A young generation capped at 1 MB instead of a warm-up: a warm-up's freed chunks would
  // stay in malloc's arena, where the measured build would reuse them unseen.
  await withServer(t, ['--max-semi-space-size=1']);
  const m = await measure(async (prefix) => {
    await script(`redis.call('RPUSH', p .. 'l:' .. g, 'element:' .. i)`, prefix, 1000000);
    await script(`redis.call('XADD', p .. 'x:' .. g, '*', 'field', 'value:' .. i, 'n', i)`, prefix, 200000);
  });
  assert.equal(await r.llen('l:3'), 100000);
  assert.equal(await r.xlen('x:3'), 20000);
  t.diagnostic(describe(m));
  const ratio = m.dUsed / m.dRss;
  assert.ok(ratio >= 0.7 && ratio <= 1.3, describe(m));
});
