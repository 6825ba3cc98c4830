/**
 * Streams in RDB as Redis 7.0: dump.rdb files and DUMP payloads carry streams (several nodes,
 * tombstones, trimmed heads, consumer groups with PEL and consumers, empty streams with groups,
 * 64-bit IDs) between the oracle and Respite in both directions, with the same XINFO STREAM
 * FULL / XRANGE / XPENDING afterwards, the same DUMP bytes and the same DEBUG DIGEST.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawClient } from '../helpers/raw-client.js';
import { inOracleLoading } from '../helpers/rdb-files.js';
import { startOracle, startRespite, hasOracle } from '../helpers/servers.js';

const skip = !hasOracle();

const KEYS = ['s:nodes', 's:trim', 's:groups', 's:empty', 's:big', 's:lzf', 's:old', 's:mixed'];

/**
 * IDs whose distance to their node's first ID needs more than 32 bits (ms or seq) next to IDs
 * that do not, in nodes of 4 that are sealed and then have entries deleted and trimmed.
 */
const MIXED_IDS = [
  '1-1',
  '2-5',
  '4294967296-0',
  '4294967297-0',
  '5000000000-1',
  '5000000000-18446744073709551610',
  '5000000001-0',
  '9000000000-7',
  '10000000000-0',
  '10000000001-1',
  '10000000002-2',
  '10000000003-3',
  '10000000004-0',
  '18446744073709551615-1',
  '18446744073709551615-18446744073709551614',
];

/** Builds the streams (explicit IDs: deterministic content; group times come from the clock). */
async function build(c: RawClient): Promise<void> {
  const run = async (...a: (string | number)[]) => {
    const r = await c.call(...a);
    assert.ok(!r.startsWith('-'), `${a.join(' ')}: ${r}`);
  };
  await run('CONFIG', 'SET', 'stream-node-max-entries', '4');
  for (let i = 1; i <= 22; i++) {
    if (i % 5 === 0) await run('XADD', 's:nodes', `${i}-1`, 'other', `v${i}`, 'n', i * 1000);
    else
      await run('XADD', 's:nodes', `${i}-1`, 'a', i, 'b', `text ${i}`, 'c', String.fromCharCode(0, 255, i));
  }
  // Tombstones in a node, and a whole node deleted.
  await run('XDEL', 's:nodes', '2-1', '3-1', '9-1', '10-1', '11-1', '12-1');
  for (let i = 1; i <= 30; i++) await run('XADD', 's:trim', `${1000 + i}-${i}`, 'f', i);
  await run('XTRIM', 's:trim', 'MAXLEN', '17');
  for (let i = 1; i <= 10; i++) await run('XADD', 's:groups', `${i}-0`, 'k', `v${i}`);
  await run('XGROUP', 'CREATE', 's:groups', 'g1', '0');
  await run('XREADGROUP', 'GROUP', 'g1', 'alice', 'COUNT', 3, 'STREAMS', 's:groups', '>');
  await run('XREADGROUP', 'GROUP', 'g1', 'bob', 'COUNT', 2, 'STREAMS', 's:groups', '>');
  await run('XACK', 's:groups', 'g1', '2-0');
  await run('XCLAIM', 's:groups', 'g1', 'bob', 0, '1-0', 'RETRYCOUNT', 7);
  await run('XGROUP', 'CREATECONSUMER', 's:groups', 'g1', 'carol');
  await run('XGROUP', 'CREATE', 's:groups', 'g2', '$');
  await run('XGROUP', 'CREATE', 's:groups', '123', '5-0', 'ENTRIESREAD', 5);
  await run('XREADGROUP', 'GROUP', '123', 'x', 'STREAMS', 's:groups', '>');
  await run('XDEL', 's:groups', '7-0');
  await run('XGROUP', 'CREATE', 's:empty', 'g', '$', 'MKSTREAM');
  await run('XADD', 's:empty', '5-5', 'f', 'v');
  await run('XDEL', 's:empty', '5-5');
  await run('XADD', 's:big', '9007199254740993-18446744073709551614', 'f', 'v');
  await run('XADD', 's:big', '18446744073709551615-3', 'f', '-9223372036854775808');
  await run(
    'XSETID',
    's:big',
    '18446744073709551615-9',
    'ENTRIESADDED',
    40,
    'MAXDELETEDID',
    '18446744073709551615-4',
  );
  await run('XGROUP', 'CREATE', 's:big', 'g', '18446744073709551615-3', 'ENTRIESREAD', 10);
  for (let i = 0; i < 6; i++)
    await run('XADD', 's:lzf', '*', 'field', 'x'.repeat(200 + i), 'y'.repeat(30), 'z');
  await run('XADD', 's:old', '1-1', 'f', 'v');
  for (let i = 0; i < MIXED_IDS.length; i++)
    await run('XADD', 's:mixed', MIXED_IDS[i], 'f', `v${i}`, ...(i % 4 === 3 ? ['g', 'x'] : []));
  await run('XDEL', 's:mixed', '10000000001-1', '5000000000-18446744073709551610');
  await run('XTRIM', 's:mixed', 'MINID', '3-0');
  await run('XGROUP', 'CREATE', 's:old', 'g', '0', 'ENTRIESREAD', -1);
}

/** Everything observable about each stream key, as raw replies. */
async function observe(c: RawClient): Promise<Map<string, string>> {
  const m = new Map<string, string>();
  // Redis's LZF starts from an uninitialised (stack) hash table, so its compressed bytes of a
  // second listpack can depend on the first: compare DUMP bytes uncompressed.
  assert.equal(await c.call('CONFIG', 'SET', 'rdbcompression', 'no'), '+OK\r\n');
  for (const k of KEYS) {
    m.set(`${k} full`, await c.call('XINFO', 'STREAM', k, 'FULL'));
    m.set(`${k} range`, await c.call('XRANGE', k, '-', '+'));
    m.set(`${k} revrange`, await c.call('XREVRANGE', k, '+', '-', 'COUNT', 3));
    m.set(`${k} mid`, await c.call('XRANGE', k, '4294967296', '(10000000003-3'));
    m.set(`${k} revmid`, await c.call('XREVRANGE', k, '18446744073709551615-1', '(5000000000-1'));
    m.set(`${k} groups`, await c.call('XINFO', 'GROUPS', k));
    m.set(`${k} digest`, await c.call('DEBUG', 'DIGEST-VALUE', k));
    m.set(`${k} dump`, await c.call('DUMP', k));
  }
  m.set('pending', await c.call('XPENDING', 's:groups', 'g1', '-', '+', 100));
  m.set('pending summary', await c.call('XPENDING', 's:groups', 'g1'));
  m.set('consumers', await c.call('XINFO', 'CONSUMERS', 's:groups', 'g1'));
  m.set('digest', await c.call('DEBUG', 'DIGEST'));
  return m;
}

/** Idle times move with the clock: mask them (seen/delivery times are absolute and kept). */
function maskIdle(m: Map<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of m) {
    let x = v.replace(/\$4\r\nidle\r\n:\d+\r\n/g, '$4\r\nidle\r\n:N\r\n');
    // XPENDING's extended form: [id, consumer, idle, count].
    if (k === 'pending') x = x.replace(/(\*4\r\n\$\d+\r\n[^\r]*\r\n\$\d+\r\n[^\r]*\r\n):\d+/g, '$1:N');
    out.set(k, x);
  }
  return out;
}

function assertSame(a: Map<string, string>, b: Map<string, string>): void {
  for (const [k, v] of a) assert.equal(JSON.stringify(b.get(k)), JSON.stringify(v), k);
}

test(
  'streams saved by redis-server load into Respite with entries, tombstones, metadata, groups and PEL intact',
  { skip },
  async () => {
    const oracle = await startOracle(['--enable-debug-command', 'yes']);
    const oc = await RawClient.connect(oracle.port);
    const dir = mkdtempSync(join(tmpdir(), 'respite-rdbstream-'));
    try {
      await build(oc);
      assert.equal(await oc.call('SAVE'), '+OK\r\n');
      const before = maskIdle(await observe(oc));
      copyFileSync(join(oracle.dir, 'dump.rdb'), join(dir, 'dump.rdb'));
      const srv = await startRespite({ config: { dir, 'enable-debug-command': 'yes' } });
      const c = await RawClient.connect(srv.port);
      try {
        assertSame(before, maskIdle(await observe(c)));
      } finally {
        c.close();
        await srv.close();
      }
    } finally {
      oc.close();
      await oracle.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  'streams saved by Respite pass redis-check-rdb and load into redis-server identically',
  { skip },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'respite-rdbstream-'));
    const srv = await startRespite({ config: { dir, 'enable-debug-command': 'yes' } });
    const c = await RawClient.connect(srv.port);
    try {
      await build(c);
      assert.equal(await c.call('SAVE'), '+OK\r\n');
      const before = maskIdle(await observe(c));
      await inOracleLoading(dir, async (oc) => {
        assertSame(before, maskIdle(await observe(oc)));
      });
    } finally {
      c.close();
      await srv.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  'stream DUMP payloads are byte-identical to the oracle and RESTORE works both ways',
  { skip },
  async () => {
    const oracle = await startOracle(['--enable-debug-command', 'yes']);
    const oc = await RawClient.connect(oracle.port);
    const srv = await startRespite({ config: { 'enable-debug-command': 'yes' } });
    const c = await RawClient.connect(srv.port);
    try {
      await build(oc);
      await build(c);
      for (const x of [oc, c]) assert.equal(await x.call('CONFIG', 'SET', 'rdbcompression', 'no'), '+OK\r\n');
      // Without groups (whose times come from each server's clock) the bytes are the same.
      for (const k of ['s:nodes', 's:trim', 's:empty', 's:lzf', 's:mixed']) {
        if (k === 's:lzf') continue; // '*' IDs: different clocks
        assert.equal(JSON.stringify(await c.call('DUMP', k)), JSON.stringify(await oc.call('DUMP', k)), k);
      }
      for (const k of KEYS) {
        if (k === 's:nodes') for (const x of [oc, c]) await x.call('CONFIG', 'SET', 'rdbcompression', 'yes');
        for (const [from, to] of [
          [oc, c],
          [c, oc],
        ]) {
          from.send('DUMP', k);
          const raw = await from.read();
          const nl = raw.indexOf('\r\n');
          const payload = Buffer.from(raw.slice(nl + 2, raw.length - 2), 'latin1');
          assert.equal(await to.call('RESTORE', `${k}:copy`, 0, payload), '+OK\r\n', k);
          const a = maskIdle(new Map([['full', await from.call('XINFO', 'STREAM', k, 'FULL')]]));
          const b = maskIdle(new Map([['full', await to.call('XINFO', 'STREAM', `${k}:copy`, 'FULL')]]));
          assertSame(a, b);
          assert.equal(
            await to.call('DEBUG', 'DIGEST-VALUE', `${k}:copy`),
            await from.call('DEBUG', 'DIGEST-VALUE', k),
          );
          assert.equal(await to.call('DEL', `${k}:copy`), ':1\r\n');
        }
      }
    } finally {
      c.close();
      oc.close();
      await srv.close();
      await oracle.stop();
    }
  },
);

test('BGSAVE keeps a stream as of its start while XREADGROUP changes its group state', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'respite-rdbstream-bg-'));
  // 2 ms per key: the walk goes from the last key, so the stream (the first) is written last.
  const srv = await startRespite({ config: { dir, 'rdb-key-save-delay': 2000 } });
  const c = await RawClient.connect(srv.port);
  const dir2 = mkdtempSync(join(tmpdir(), 'respite-rdbstream-bg2-'));
  try {
    for (let i = 1; i <= 5; i++) await c.call('XADD', 's', `${i}-0`, 'f', i);
    for (let i = 0; i < 100; i++) await c.call('SET', `k${i}`, i);
    await c.call('XGROUP', 'CREATE', 's', 'g', '0');
    await c.call('XREADGROUP', 'GROUP', 'g', 'old', 'COUNT', 1, 'STREAMS', 's', '>');
    const before = maskIdle(new Map([['full', await c.call('XINFO', 'STREAM', 's', 'FULL')]]));
    assert.equal(await c.call('BGSAVE'), '+Background saving started\r\n');
    assert.match(await c.call('XREADGROUP', 'GROUP', 'g', 'new', 'STREAMS', 's', '>'), /^\*1/);
    assert.equal(await c.call('XACK', 's', 'g', '1-0'), ':1\r\n');
    await c.call('XADD', 's', '6-0', 'f', 6);
    const deadline = Date.now() + 120000;
    while (/rdb_bgsave_in_progress:1/.test(await c.call('INFO', 'persistence'))) {
      assert.ok(Date.now() < deadline, 'BGSAVE finishes');
      await new Promise((r) => setTimeout(r, 20));
    }
    copyFileSync(join(dir, 'dump.rdb'), join(dir2, 'dump.rdb'));
    const srv2 = await startRespite({ config: { dir: dir2 } });
    const c2 = await RawClient.connect(srv2.port);
    try {
      assertSame(before, maskIdle(new Map([['full', await c2.call('XINFO', 'STREAM', 's', 'FULL')]])));
    } finally {
      c2.close();
      await srv2.close();
    }
  } finally {
    c.close();
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(dir2, { recursive: true, force: true });
  }
});
