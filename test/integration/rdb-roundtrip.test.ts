/**
 * RDB interop with the oracle: files written by Respite load into redis-server (and pass
 * redis-check-rdb) and files written by redis-server load into Respite with every key's type,
 * value, TTL and encoding intact; DUMP payloads are byte-identical where Redis is
 * deterministic and RESTORE works both ways; DEBUG DIGEST agrees; BGSAVE under concurrent
 * writes yields the dataset as of its start; save errors give MISCONF; corrupt files at
 * startup are fatal with Redis's messages.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawClient } from '../helpers/raw-client.js';
import { inOracleLoading } from '../helpers/rdb-files.js';
import { freePort, startOracle, startRespite, hasOracle, RESPITE_BIN } from '../helpers/servers.js';
import { startPair } from '../helpers/compat.js';
import { captureKeyspace, loadDataset, q, type KeyState } from '../helpers/dataset.js';

const skip = !hasOracle();

function tempDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `respite-rdb-${tag}-`));
}

/** A command that may take seconds on a loaded machine (DEBUG POPULATE / DIGEST of 100k keys). */
async function slow(c: RawClient, ...args: (string | number)[]): Promise<string> {
  c.send(...args);
  const r = await c.read(120000);
  return r.startsWith('+') ? r.slice(1, -2) : r;
}

async function waitFor(cond: () => Promise<boolean>, what: string, timeoutMs = 120000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function assertSameKeyspace(a: Map<string, KeyState>, b: Map<string, KeyState>, encodings = true): void {
  assert.deepEqual([...b.keys()].sort(), [...a.keys()].sort());
  for (const [k, x] of a) {
    const y = b.get(k)!;
    assert.equal(y.type, x.type, `type of ${k}`);
    assert.deepEqual(y.value, x.value, `value of ${k}`);
    if (x.ttl < 0) assert.equal(y.ttl, x.ttl, `ttl of ${k}`);
    else assert.ok(Math.abs(y.ttl - x.ttl) < 10000, `ttl of ${k}: ${x.ttl} vs ${y.ttl}`);
    if (encodings) assert.equal(y.encoding, x.encoding, `encoding of ${k}`);
  }
}

test(
  'a dump.rdb saved by Respite passes redis-check-rdb and loads into redis-server with every key intact',
  { skip },
  async () => {
    const dir = tempDir('r2o');
    const srv = await startRespite({ config: { dir, 'enable-debug-command': 'yes' } });
    const c = await RawClient.connect(srv.port);
    try {
      await loadDataset(c);
      const before = await captureKeyspace(c);
      const digest = await q(c, 'DEBUG', 'DIGEST');
      assert.equal(await c.call('SAVE'), '+OK\r\n');
      await inOracleLoading(dir, async (oc) => {
        const after = await captureKeyspace(oc);
        assertSameKeyspace(before, after);
        assert.equal(await q(oc, 'DEBUG', 'DIGEST'), digest);
      });
    } finally {
      c.close();
      await srv.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  'a dump.rdb saved by redis-server loads into Respite with every key, TTL and encoding intact',
  { skip },
  async () => {
    const oracle = await startOracle(['--enable-debug-command', 'yes']);
    const oc = await RawClient.connect(oracle.port);
    const dir = tempDir('o2r');
    try {
      await loadDataset(oc);
      // A stream loads too (test/integration/rdb-stream.test.ts covers it); a function library is kept.
      await q(oc, 'XADD', 'stream:k', '1-1', 'f', 'v');
      await q(oc, 'XGROUP', 'CREATE', 'stream:k', 'g', '$');
      await q(
        oc,
        'FUNCTION',
        'LOAD',
        "#!lua name=mylib\nredis.register_function('f', function() return 1 end)",
      );
      const before = await captureKeyspace(oc);
      before.delete('0:stream:k');
      assert.equal(await oc.call('SAVE'), '+OK\r\n');
      copyFileSync(join(oracle.dir, 'dump.rdb'), join(dir, 'dump.rdb'));
      const digest = await q(oc, 'DEBUG', 'DIGEST');
      const srv = await startRespite({ config: { dir, 'enable-debug-command': 'yes' } });
      const c = await RawClient.connect(srv.port);
      try {
        assert.equal(await c.call('XLEN', 'stream:k'), ':1\r\n');
        const after = await captureKeyspace(c);
        after.delete('0:stream:k');
        assertSameKeyspace(before, after);
        assert.equal(await q(c, 'DEBUG', 'DIGEST'), digest);
        assert.equal(srv.server.rdb.functionLibraries.length, 1);
        assert.match(
          await c.call('INFO', 'persistence'),
          new RegExp(`rdb_last_load_keys_loaded:${before.size + 1}\r\n`),
        );
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
  'DUMP payloads are byte-identical to the oracle for deterministic encodings, and RESTORE works both ways',
  { skip },
  async () => {
    const pair = await startPair();
    try {
      for (const cmd of (await import('../helpers/dataset.js')).datasetCommands()) await pair.same(cmd);
      const deterministic = [
        'str:int',
        'str:negint',
        'str:bigint',
        'str:embstr',
        'str:raw',
        'str:binary',
        'str:compressible',
        'str:empty',
        '12345',
        'list:small',
        'list:large',
        'set:intset',
        'hash:listpack',
        'zset:listpack',
        'zset:skiplist',
        'missing',
      ];
      for (const k of deterministic) await pair.same(['DUMP', k]);
      await pair.same(
        ['CONFIG', 'SET', 'rdbcompression', 'no'],
        ['DUMP', 'str:compressible'],
        ['DUMP', 'list:large'],
      );
      await pair.same(['CONFIG', 'SET', 'rdbcompression', 'yes']);
      // Cross RESTORE: each server restores the other's payloads of every key.
      const keys = ((await q(pair.o, 'KEYS', '*')) as string[]).sort();
      for (const k of keys) {
        const od = await q(pair.o, 'DUMP', k);
        const rd = await q(pair.r, 'DUMP', k);
        assert.equal(await pair.r.call('RESTORE', `x:${k}`, 0, od as string), '+OK\r\n', `RESTORE of ${k}`);
        assert.equal(await pair.o.call('RESTORE', `x:${k}`, 0, rd as string), '+OK\r\n', `RESTORE of ${k}`);
      }
      const [dumpO, dumpR] = [await captureKeyspace(pair.o), await captureKeyspace(pair.r)];
      assertSameKeyspace(dumpO, dumpR);
    } finally {
      await pair.close();
    }
  },
);

test(
  'RESTORE options and errors match the oracle (REPLACE, ABSTTL, IDLETIME, FREQ, BUSYKEY, bad payloads)',
  { skip },
  async () => {
    const pair = await startPair();
    try {
      await pair.same(['SET', 'src', 'value'], ['RPUSH', 'l', 'a', 'b']);
      const payload = (await q(pair.o, 'DUMP', 'src')) as string;
      const bad = payload.slice(0, -1) + String.fromCharCode(payload.charCodeAt(payload.length - 1) ^ 1);
      const newer = payload.slice(0, -10) + '\x0b\x00' + payload.slice(-8);
      await pair.same(
        ['RESTORE', 'src', 0, payload],
        ['RESTORE', 'k', 0, bad],
        ['RESTORE', 'k', 0, newer],
        ['RESTORE', 'k', 0, 'short'],
        ['RESTORE', 'k', -1, payload],
        ['RESTORE', 'k', 'abc', payload],
        ['RESTORE', 'k', 0, payload, 'IDLETIME', -1],
        ['RESTORE', 'k', 0, payload, 'FREQ', 256],
        ['RESTORE', 'k', 0, payload, 'IDLETIME', 10, 'FREQ', 5],
        ['RESTORE', 'k', 0, payload, 'BOGUS'],
        ['RESTORE', 'k', 0, payload, 'IDLETIME'],
        ['RESTORE', 'k', 0, payload],
        ['GET', 'k'],
        ['RESTORE', 'k', 0, payload],
        ['RESTORE', 'k', 0, payload, 'REPLACE', 'IDLETIME', 1000],
        ['RESTORE', 'k2', 1, payload, 'ABSTTL'],
        ['EXISTS', 'k2'],
        ['RESTORE', 'l', 1, payload, 'ABSTTL', 'REPLACE'],
        ['EXISTS', 'l'],
        ['RESTORE', 'k3', 100000, payload],
        ['RESTORE', 'k4', 4102444800000, payload, 'ABSTTL'],
        ['PEXPIRETIME', 'k4'],
      );
      // Clock-dependent replies, within a second of each other.
      for (const [cmd, want] of [
        [['OBJECT', 'IDLETIME', 'k'], 1000],
        [['TTL', 'k3'], 100],
      ] as const) {
        const [o, r] = await pair.both(...cmd);
        assert.ok(Math.abs(Number(o.slice(1, -2)) - want) <= 2, `oracle ${cmd.join(' ')}: ${o}`);
        assert.ok(Math.abs(Number(r.slice(1, -2)) - want) <= 2, `respite ${cmd.join(' ')}: ${r}`);
      }
      // A payload of the wrong shape with a valid checksum: Bad data format.
      const garbage = await craftPayload(pair.o, '\x00\xff');
      await pair.same(['RESTORE', 'g', 0, garbage]);
    } finally {
      await pair.close();
    }
  },
);

/** A DUMP-style payload around arbitrary body bytes, checksummed by Respite's own CRC. */
async function craftPayload(_c: RawClient, body: string): Promise<string> {
  const { crc64 } = await import('../../src/persistence/crc64.js');
  const b = Buffer.from(body + '\x0a\x00', 'latin1');
  const out = Buffer.alloc(b.length + 8);
  b.copy(out);
  crc64(b).writeLE(out, b.length);
  return out.latin1Slice();
}

test('DEBUG DIGEST and DIGEST-VALUE equal the oracle after the same writes', { skip }, async () => {
  const pair = await startPair(['--enable-debug-command', 'yes'], { 'enable-debug-command': 'yes' });
  try {
    await pair.same(['DEBUG', 'DIGEST']);
    for (const cmd of (await import('../helpers/dataset.js')).datasetCommands()) await pair.same(cmd);
    await pair.same(['DEBUG', 'DIGEST']);
    await pair.same([
      'DEBUG',
      'DIGEST-VALUE',
      'str:int',
      'list:large',
      'set:hashtable',
      'hash:hashtable',
      'zset:skiplist',
      'zset:listpack',
      'nokey',
    ]);
    await pair.same(
      ['DEBUG', 'DIGEST-VALUE'],
      ['SWAPDB', 0, 3],
      ['DEBUG', 'DIGEST'],
      ['PERSIST', 'str:ttl'],
      ['DEBUG', 'DIGEST'],
    );
  } finally {
    await pair.close();
  }
});

test('BGSAVE under concurrent writes saves the dataset as of its start', async () => {
  const dir = tempDir('bgsave');
  // A per-key delay stretches the snapshot over many event-loop turns.
  const srv = await startRespite({ config: { dir, 'rdb-key-save-delay': 5, 'enable-debug-command': 'yes' } });
  const c = await RawClient.connect(srv.port);
  try {
    const N = 100000;
    assert.equal(await slow(c, 'DEBUG', 'POPULATE', N, 'key'), 'OK');
    const batch: (string | number)[][] = [];
    for (let i = 0; i < 200; i++) batch.push(['RPUSH', `list:${i}`, 'a', 'b', 'c']);
    for (let i = 0; i < 200; i++) batch.push(['HSET', `hash:${i}`, 'f', String(i)]);
    batch.push(['SELECT', 1]);
    for (let i = 0; i < 1000; i++) batch.push(['SET', `db1:${i}`, String(i), 'EX', 1000]);
    batch.push(['SELECT', 2]);
    for (let i = 0; i < 1000; i++) batch.push(['SET', `db2:${i}`, String(i)]);
    batch.push(['SELECT', 0]);
    for (const cmd of batch) c.send(...cmd);
    for (let i = 0; i < batch.length; i++) await c.read();
    const digest = await slow(c, 'DEBUG', 'DIGEST');
    assert.equal(await c.call('BGSAVE'), '+Background saving started\r\n');
    assert.equal(await c.call('BGSAVE'), '-ERR Background save already in progress\r\n');
    assert.equal(await c.call('SAVE'), '-ERR Background save already in progress\r\n');
    assert.match(await c.call('INFO', 'persistence'), /rdb_bgsave_in_progress:1\r\n/);
    // Writes of every kind while the snapshot runs.
    let round = 0;
    const w = await RawClient.connect(srv.port);
    const writes = (async () => {
      while (srv.server.rdb.bgsaveInProgress) {
        const i = (round * 7919) % N;
        const cmds = [
          ['SET', `key:${i}`, `changed:${round}`],
          ['DEL', `key:${(i + 1) % N}`],
          ['SET', `new:${round}`, 'x'],
          ['EXPIRE', `key:${(i + 2) % N}`, 100],
          ['RPUSH', `list:${round % 200}`, 'd'],
          ['HSET', `hash:${round % 200}`, 'g', 'h'],
          ['RENAME', `key:${(i + 3) % N}`, `renamed:${round}`],
          ['APPEND', `key:${(i + 4) % N}`, '!'],
          ['INCR', `counter`],
        ];
        for (const cmd of cmds) w.send(...cmd);
        for (let j = 0; j < cmds.length; j++) await w.read();
        if (round === 5) {
          await w.call('SWAPDB', 1, 2);
          await w.call('SELECT', 1);
          await w.call('FLUSHDB');
          await w.call('SELECT', 0);
        }
        round++;
      }
    })();
    await waitFor(async () => /rdb_bgsave_in_progress:0/.test(await c.call('INFO', 'persistence')), 'BGSAVE');
    await writes;
    w.close();
    assert.ok(round > 5, `writes ran during the snapshot (${round} rounds)`);
    const info = await c.call('INFO', 'persistence');
    assert.match(info, /rdb_last_bgsave_status:ok\r\n/);
    assert.notEqual(await slow(c, 'DEBUG', 'DIGEST'), digest);
    // A fresh server loading the file has the dataset of the BGSAVE start.
    const srv2 = await startRespite({ config: { dir, 'enable-debug-command': 'yes' } });
    const c2 = await RawClient.connect(srv2.port);
    try {
      assert.equal(await slow(c2, 'DEBUG', 'DIGEST'), digest);
      assert.equal(await c2.call('DBSIZE'), `:${N + 400}\r\n`);
    } finally {
      c2.close();
      await srv2.close();
    }
  } finally {
    c.close();
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test(
  'a save that fails sets rdb_last_bgsave_status:err and writes get MISCONF, as in the oracle',
  { skip },
  async () => {
    const odir = tempDir('misconf-o');
    const rdir = tempDir('misconf-r');
    const pair = await startPair(['--save', '900 1', '--dir', odir], { save: '900 1', dir: rdir });
    try {
      await pair.same(['SET', 'a', '1']);
      rmSync(odir, { recursive: true, force: true });
      rmSync(rdir, { recursive: true, force: true });
      await pair.same(['BGSAVE']);
      const failed = async (c: RawClient) =>
        /rdb_last_bgsave_status:err/.test(await c.call('INFO', 'persistence'));
      await waitFor(() => failed(pair.o), 'oracle BGSAVE failure');
      await waitFor(() => failed(pair.r), 'Respite BGSAVE failure');
      await pair.same(['SET', 'b', '2'], ['PING'], ['GET', 'a'], ['SAVE']);
      await pair.same(['CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'no'], ['SET', 'b', '2']);
      await pair.same(['CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'yes'], ['SET', 'b', '3']);
      await pair.same(['CONFIG', 'SET', 'save', ''], ['SET', 'b', '4']);
    } finally {
      await pair.close();
    }
  },
);

test(
  'SAVE, LASTSAVE, BGSAVE SCHEDULE, FLUSHALL with save points and INFO persistence fields',
  { skip },
  async () => {
    const rdir = tempDir('save');
    const pair = await startPair(['--save', '900 1'], { save: '900 1', dir: rdir });
    try {
      await pair.same(['BGSAVE', 'foo'], ['BGSAVE', 'SCHEDULE', 'x'], ['SAVE', 'x'], ['LASTSAVE', 'x']);
      await pair.same(['SET', 'a', '1'], ['SET', 'b', '2']);
      const dirty = async (c: RawClient) =>
        /rdb_changes_since_last_save:(\d+)/.exec(await c.call('INFO', 'persistence'))![1];
      assert.equal(await dirty(pair.r), await dirty(pair.o));
      await pair.same(['SAVE']);
      assert.equal(await dirty(pair.r), '0', 'respite dirty after SAVE');
      assert.equal(await dirty(pair.o), '0', 'oracle dirty after SAVE');
      const [lo, lr] = [Number(await q(pair.o, 'LASTSAVE')), Number(await q(pair.r, 'LASTSAVE'))];
      assert.ok(Math.abs(lo - lr) <= 2);
      await pair.same(['SET', 'c', '3'], ['FLUSHALL']);
      assert.equal(await dirty(pair.r), await dirty(pair.o));
      const fields = (s: string) =>
        s
          .split('\r\n')
          .filter((l) => l.includes(':'))
          .map((l) => l.split(':')[0]);
      assert.deepEqual(
        fields(await pair.r.call('INFO', 'persistence')),
        fields(await pair.o.call('INFO', 'persistence')),
      );
      await pair.same(['BGSAVE', 'SCHEDULE']);
      const done = async (c: RawClient) =>
        /rdb_bgsave_in_progress:0\r\n/.test(await c.call('INFO', 'persistence'));
      await waitFor(() => done(pair.o), 'oracle BGSAVE');
      await waitFor(() => done(pair.r), 'Respite BGSAVE');
    } finally {
      await pair.close();
      rmSync(rdir, { recursive: true, force: true });
    }
  },
);

test('DEBUG RELOAD saves and reloads the dataset; a corrupt or truncated RDB at startup is fatal with Redis messages', async () => {
  const dir = tempDir('reload');
  const srv = await startRespite({ config: { dir, 'enable-debug-command': 'yes' } });
  const c = await RawClient.connect(srv.port);
  try {
    await loadDataset(c);
    const digest = await q(c, 'DEBUG', 'DIGEST');
    assert.equal(await c.call('DEBUG', 'RELOAD'), '+OK\r\n');
    assert.equal(await q(c, 'DEBUG', 'DIGEST'), digest);
    assert.equal(
      await c.call('DEBUG', 'RELOAD', 'BAD'),
      '-ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.\r\n',
    );
    assert.equal(await c.call('SET', 'extra', '1'), '+OK\r\n');
    assert.equal(await c.call('DEBUG', 'RELOAD', 'NOSAVE'), '+OK\r\n');
    assert.equal(await q(c, 'DEBUG', 'DIGEST'), digest);
  } finally {
    c.close();
    await srv.close();
  }
  const file = readFileSync(join(dir, 'dump.rdb'));
  // A real port: as in Redis, a server that listens nowhere exits before loading anything.
  const port = String(await freePort());
  const run = (bytes: Buffer) => {
    writeFileSync(join(dir, 'dump.rdb'), bytes);
    return spawnSync(process.execPath, [RESPITE_BIN, '--port', port, '--bind', '127.0.0.1', '--dir', dir], {
      encoding: 'latin1',
      env: { ...process.env, RESPITE_NO_RELAUNCH: '1' },
      timeout: 20000,
    });
  };
  const truncated = run(file.subarray(0, Math.floor(file.length / 2)));
  assert.equal(truncated.status, 1);
  assert.match(truncated.stdout, /Short read or OOM loading DB\. Unrecoverable error, aborting now\./);
  const corrupt = Buffer.from(file);
  corrupt[corrupt.length - 1] ^= 0xff;
  const bad = run(corrupt);
  assert.equal(bad.status, 1);
  assert.match(bad.stdout, /Wrong RDB checksum expected: \([0-9a-f]+\) got \([0-9a-f]+\)\. Aborting now\./);
  const sig = run(Buffer.from('NOTREDIS0010'));
  assert.equal(sig.status, 1);
  assert.match(sig.stdout, /Wrong signature trying to load DB from file/);
  assert.ok(existsSync(join(dir, 'dump.rdb')));
  rmSync(dir, { recursive: true, force: true });
});

test('an RDB whose RESIZEDB claims 268 million keys loads without reserving tables for them', async () => {
  const dir = tempDir('resizedb');
  try {
    const srv = await startRespite({ config: { dir } });
    const c = await RawClient.connect(srv.port);
    try {
      for (const k of ['a', 'b', 'c']) await c.call('SET', k, 'v');
      assert.equal(await c.call('SAVE'), '+OK\r\n');
    } finally {
      c.close();
      await srv.close();
    }
    // SELECTDB 0, RESIZEDB 3 0 -> RESIZEDB 2^28-1 (32-bit length) 0; checksum 0 = not checked.
    const rdb = readFileSync(join(dir, 'dump.rdb'));
    const at = rdb.indexOf(Buffer.from([0xfe, 0x00, 0xfb, 0x03, 0x00]));
    assert.ok(at > 0, 'SELECTDB + RESIZEDB found');
    const patched = Buffer.concat([
      rdb.subarray(0, at + 3),
      Buffer.from([0x80, 0x0f, 0xff, 0xff, 0xff]),
      rdb.subarray(at + 4, rdb.length - 8),
      Buffer.alloc(8),
    ]);
    writeFileSync(join(dir, 'dump.rdb'), patched);
    const srv2 = await startRespite({ config: { dir } });
    const c2 = await RawClient.connect(srv2.port);
    try {
      assert.equal(await c2.call('DBSIZE'), ':3\r\n');
      assert.equal(await c2.call('GET', 'b'), '$1\r\nv\r\n');
      const used = Number(/used_memory:(\d+)/.exec(await c2.call('INFO', 'memory'))![1]);
      // Tables for the claimed count would be over a gigabyte.
      assert.ok(used < 200 * 1024 * 1024, `used_memory ${used}`);
    } finally {
      c2.close();
      await srv2.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
