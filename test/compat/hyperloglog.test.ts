/**
 * HyperLogLog against the oracle (redis-server 7.0), byte for byte: PFADD, PFCOUNT, PFMERGE,
 * PFDEBUG and PFSELFTEST, and GET of the HLL values themselves — sparse, promoted to dense
 * (by size and by a register above 32), merged from mixed encodings, with the cached
 * cardinality PFCOUNT writes into the header. Values made by one server are SET into the
 * other and must count the same; corrupted values get Redis's errors.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPair, type Cmd, type Pair } from '../helpers/compat.js';
import { ENC_EMBSTR, ENC_INT, ENC_RAW } from '../../src/store/strings.js';
import { mulberry32 as rng } from '../helpers/prng.js';

let pair: Pair;

before(async () => {
  pair = await startPair();
});

after(async () => {
  await pair.close();
});

const same = (...cmds: Cmd[]): Promise<void> => pair.same(...cmds);

/** A random element: short text, numbers, or binary bytes of 0..40 bytes. */
function element(r: () => number): string {
  const k = r();
  if (k < 0.4) return `user:${Math.floor(r() * 1e9)}`;
  if (k < 0.6) return String(Math.floor(r() * 1e6));
  let s = '';
  const n = Math.floor(r() * 41);
  for (let i = 0; i < n; i++) s += String.fromCharCode(Math.floor(r() * 256));
  return s;
}

/** The bulk string payload of a raw `$n\r\n...\r\n` reply. */
function bulkPayload(raw: string): Buffer {
  const nl = raw.indexOf('\r\n');
  const n = Number(raw.slice(1, nl));
  return Buffer.from(raw.slice(nl + 2, nl + 2 + n), 'latin1');
}

const ENC_NAMES: Record<number, string> = { [ENC_RAW]: 'raw', [ENC_EMBSTR]: 'embstr', [ENC_INT]: 'int' };

async function sameEncoding(key: string): Promise<void> {
  const expected = await pair.o.call('OBJECT', 'ENCODING', key);
  const db = pair.respite.server.dbs[0];
  const h = db.dict.get(key);
  const name = typeof h === 'number' ? ENC_NAMES[db.strings.encoding(h)] : undefined;
  assert.equal(
    name === undefined ? '$-1\r\n' : `$${name.length}\r\n${name}\r\n`,
    expected,
    `encoding of ${key}`,
  );
}

/** A dense HLL value whose registers are given by fn (cache marked invalid). */
function denseBlob(fn: (i: number) => number): Buffer {
  const b = Buffer.alloc(16 + 12288);
  b.write('HYLL', 0, 'latin1');
  b[15] = 0x80;
  for (let i = 0; i < 16384; i++) {
    const v = fn(i);
    const bitpos = i * 6;
    const byte = 16 + (bitpos >> 3);
    const fb = bitpos & 7;
    b[byte] |= (v << fb) & 0xff;
    if (fb > 2) b[byte + 1] |= v >> (8 - fb);
  }
  return b;
}

function header(enc: number): Buffer {
  const b = Buffer.alloc(16);
  b.write('HYLL', 0, 'latin1');
  b[4] = enc;
  b[15] = 0x80;
  return b;
}

test('PFADD creates a sparse HLL with Redis bytes, and PFCOUNT caches the cardinality in the header', async () => {
  await pair.reset();
  await same(
    ['PFADD', 'h'],
    ['GET', 'h'],
    ['PFCOUNT', 'h'],
    ['GET', 'h'],
    ['PFADD', 'h', 'a', 'b', 'c'],
    ['GET', 'h'],
    ['PFADD', 'h', 'a'],
    ['PFADD', 'h', 'a', 'b', 'c', 'd'],
    ['GET', 'h'],
    ['PFCOUNT', 'h'],
    ['GET', 'h'],
    ['PFCOUNT', 'h'],
    ['PFADD', 'h', ''],
    ['PFADD', 'h', '\x00\xff\x80'],
    ['GET', 'h'],
    ['PFCOUNT', 'h'],
    ['PFDEBUG', 'ENCODING', 'h'],
    ['PFDEBUG', 'DECODE', 'h'],
    ['PFADD', 'h2', 'x'],
    ['PFADD', 'h2'],
    ['PFCOUNT', 'missing'],
    ['PFCOUNT', 'h', 'h2', 'missing'],
    ['GET', 'h2'],
  );
  await sameEncoding('h');
});

test('PFADD of tens of thousands of random elements: same bytes while sparse, after promotion, and the same estimates', async () => {
  await pair.reset();
  const r = rng(99);
  let added = 0;
  const checkpoints = new Set([1, 10, 100, 300, 600, 1000, 1500, 2000, 3000, 5000, 10000, 20000, 40000]);
  while (added < 40000) {
    const n = added < 3000 ? 1 + Math.floor(r() * 10) : 500;
    const elems: string[] = [];
    for (let i = 0; i < n; i++) elems.push(element(r));
    await same(['PFADD', 'big', ...elems]);
    const before = added;
    added += n;
    for (const c of checkpoints) {
      if (c > before && c <= added) {
        await same(['PFDEBUG', 'ENCODING', 'big'], ['GET', 'big'], ['PFCOUNT', 'big'], ['GET', 'big']);
      }
    }
  }
  await same(['STRLEN', 'big'], ['PFDEBUG', 'ENCODING', 'big']);
});

test('hll-sparse-max-bytes sets when PFADD promotes to dense', async () => {
  await pair.reset();
  await same(['CONFIG', 'SET', 'hll-sparse-max-bytes', '40']);
  try {
    const r = rng(3);
    for (let i = 0; i < 20; i++) {
      await same(['PFADD', 'small', element(r)], ['PFDEBUG', 'ENCODING', 'small'], ['GET', 'small']);
    }
    await same(
      ['CONFIG', 'SET', 'hll-sparse-max-bytes', '0'],
      ['PFADD', 'zero', 'a'],
      ['PFDEBUG', 'ENCODING', 'zero'],
    );
  } finally {
    await same(['CONFIG', 'SET', 'hll-sparse-max-bytes', '3000']);
  }
});

test('a register above 32 promotes a sparse HLL to dense', async () => {
  await pair.reset();
  for (const e of RARE_ELEMENTS) {
    await same(
      ['PFADD', 'r', 'a', 'b'],
      ['PFADD', 'r', e],
      ['PFDEBUG', 'ENCODING', 'r'],
      ['GET', 'r'],
      ['PFCOUNT', 'r'],
    );
    await same(['PFMERGE', 'm', 'r'], ['PFDEBUG', 'ENCODING', 'm'], ['GET', 'm'], ['DEL', 'r', 'm']);
  }
  // Several at once, into an existing sparse HLL with other registers set.
  await same(
    ['PFADD', 'r2', 'x', 'y', 'z'],
    ['PFADD', 'r2', ...RARE_ELEMENTS],
    ['GET', 'r2'],
    ['PFCOUNT', 'r2'],
  );
  await same(['PFADD', 'r3', 'x'], ['PFCOUNT', 'r3', 'r2'], ['PFMERGE', 'r3', 'r2'], ['GET', 'r3']);
});

test('PFMERGE merges sparse, dense and missing sources into missing, sparse and dense destinations', async () => {
  await pair.reset();
  const r = rng(17);
  const fill = async (key: string, n: number): Promise<void> => {
    const elems: string[] = [];
    for (let i = 0; i < n; i++) elems.push(element(r));
    await same(['PFADD', key, ...elems]);
  };
  await fill('s1', 50);
  await fill('s2', 80);
  await fill('d1', 5000);
  await fill('d2', 3000);
  await same(['PFDEBUG', 'ENCODING', 's1'], ['PFDEBUG', 'ENCODING', 'd1']);
  const cases: string[][] = [
    ['m1', 's1'],
    ['m2', 's1', 's2'],
    ['m3', 's1', 'd1'],
    ['m4', 'd1', 'd2', 'missing'],
    ['s1', 's2'],
    ['s2', 'd2'],
    ['d1', 's1'],
    ['m5'],
    ['m6', 'missing'],
  ];
  for (const c of cases) {
    await same(
      ['PFMERGE', ...c],
      ['GET', c[0]],
      ['PFCOUNT', c[0]],
      ['GET', c[0]],
      ['PFDEBUG', 'ENCODING', c[0]],
    );
  }
  await same(['PFCOUNT', 's1', 's2', 'd1', 'd2', 'missing'], ['PFCOUNT', 'm1', 'm2']);
  // A sparse destination that grows past hll-sparse-max-bytes while merging.
  await fill('t1', 400);
  await fill('t2', 400);
  await fill('t3', 400);
  await same(['PFMERGE', 't1', 't2', 't3'], ['PFDEBUG', 'ENCODING', 't1'], ['GET', 't1']);
  await same(
    ['SET', 'plain', 'x'],
    ['PFMERGE', 'plain', 's1'],
    ['PFMERGE', 'm1', 'plain'],
    ['RPUSH', 'l', 'x'],
    ['PFMERGE', 'm1', 'l'],
  );
});

test('HLL values made by Redis count the same in Respite, and the other way round', async () => {
  await pair.reset();
  const r = rng(21);
  for (const n of [0, 5, 200, 2500, 8000]) {
    const elems: string[] = [];
    for (let i = 0; i < n; i++) elems.push(element(r));
    // Made by Redis only, then SET into both.
    if (n > 0) await pair.o.call('PFADD', 'src', ...elems);
    else await pair.o.call('PFADD', 'src');
    const fromRedis = bulkPayload(await pair.o.call('GET', 'src'));
    await same(
      ['SET', 'x', fromRedis],
      ['PFCOUNT', 'x'],
      ['GET', 'x'],
      ['PFADD', 'x', 'one-more'],
      ['GET', 'x'],
    );
    await same(['PFCOUNT', 'x', 'missing'], ['PFDEBUG', 'ENCODING', 'x']);
    // Made by Respite only, then SET into both.
    if (n > 0) await pair.r.call('PFADD', 'rsrc', ...elems);
    else await pair.r.call('PFADD', 'rsrc');
    const fromRespite = bulkPayload(await pair.r.call('GET', 'rsrc'));
    assert.deepEqual(fromRespite, fromRedis, `bytes of an HLL of ${n} elements`);
    await same(['SET', 'y', fromRespite], ['PFCOUNT', 'y'], ['PFMERGE', 'y', 'x'], ['GET', 'y']);
    await pair.o.call('DEL', 'src');
    await pair.r.call('DEL', 'rsrc');
  }
  // Crafted dense registers, including values above 50 that Redis's estimator skips.
  const blobs = [
    denseBlob((i) => i % 7),
    denseBlob((i) => (i % 3 === 0 ? 63 : 0)),
    denseBlob((i) => (i < 100 ? 51 : 1)),
    denseBlob(() => 0),
    denseBlob((i) => (i * 37) % 52),
  ];
  for (const b of blobs) {
    await same(
      ['SET', 'c', b],
      ['PFCOUNT', 'c'],
      ['GET', 'c'],
      ['PFADD', 'c', 'a', 'b'],
      ['PFCOUNT', 'c', 'c'],
    );
    await same(['SET', 'c', b], ['PFMERGE', 'c2', 'c'], ['GET', 'c2'], ['DEL', 'c2']);
  }
  // A valid cached cardinality is returned as it is, even when it is not the true count.
  const cached = denseBlob(() => 0);
  cached[15] = 0;
  cached.writeUInt32LE(123456789, 8);
  cached.writeUInt32LE(7, 12);
  await same(['SET', 'c', cached], ['PFCOUNT', 'c'], ['PFCOUNT', 'c', 'missing']);
  // Sparse values written by hand: unused header bytes are kept, adjacent opcodes merged.
  const sparse = Buffer.concat([header(1), Buffer.from([0x80, 0x80, 0x84, 0x3f, 0x7f, 0xbe])]);
  sparse[5] = 9;
  await same(
    ['SET', 'sp', sparse],
    ['PFDEBUG', 'DECODE', 'sp'],
    ['PFCOUNT', 'sp'],
    ['PFADD', 'sp', 'q', 'w', 'e'],
  );
  await same(['GET', 'sp'], ['PFDEBUG', 'TODENSE', 'sp'], ['GET', 'sp']);
});

test('values that are not HLLs get WRONGTYPE, corrupted ones INVALIDOBJ', async () => {
  await pair.reset();
  const dense = denseBlob((i) => i % 5);
  const bad: [string, Buffer | string][] = [
    ['plain', 'hello world, not an hll'],
    ['int', '12345'],
    ['short', 'HYLL\x01'],
    ['magic', Buffer.concat([Buffer.from('HYLX'), dense.subarray(4)])],
    ['enc2', Buffer.concat([header(2), Buffer.from([0x7f, 0xff])])],
    ['enc255', Buffer.concat([header(255), Buffer.from([0x7f, 0xff])])],
    ['denselong', Buffer.concat([dense, Buffer.from([0])])],
    ['denseshort', dense.subarray(0, dense.length - 1)],
    ['hdronly', header(1)],
    ['sparsefew', Buffer.concat([header(1), Buffer.from([0x7f, 0xfe])])],
    ['sparsemany', Buffer.concat([header(1), Buffer.from([0x7f, 0xff, 0x00])])],
    ['sparseval', Buffer.concat([header(1), Buffer.from([0x7f, 0xfe, 0x83])])],
    ['sparseover', Buffer.concat([header(1), Buffer.from([0x7f, 0xfe, 0x80, 0x80])])],
  ];
  for (const [k, v] of bad) await same(['SET', k, v]);
  await same(['RPUSH', 'list', 'x'], ['PFADD', 'ok', 'a']);
  for (const [k] of [...bad, ['list']]) {
    await same(
      ['PFCOUNT', k],
      ['PFCOUNT', 'ok', k],
      ['PFADD', k, 'a'],
      ['PFADD', k, 'a', 'b', 'c', 'd', 'e', 'f', 'g'],
      ['PFADD', k],
      ['PFMERGE', 'dst', k],
      ['PFMERGE', k, 'ok'],
      ['PFDEBUG', 'ENCODING', k],
      ['PFDEBUG', 'GETREG', k],
      ['PFDEBUG', 'TODENSE', k],
      ['PFDEBUG', 'DECODE', k],
      ['GET', k],
    );
  }
  await same(['EXISTS', 'dst']);
});

test('PFDEBUG GETREG, DECODE, ENCODING and TODENSE, and their errors', async () => {
  await pair.reset();
  await same(
    ['PFADD', 'h', 'a', 'b', 'c', 'x', 'y'],
    ['PFDEBUG', 'DECODE', 'h'],
    ['PFDEBUG', 'decode', 'h'],
    ['PFDEBUG', 'ENCODING', 'h'],
    ['PFDEBUG', 'GETREG', 'h'],
    ['PFDEBUG', 'ENCODING', 'h'],
    ['GET', 'h'],
    ['PFDEBUG', 'DECODE', 'h'],
    ['PFDEBUG', 'TODENSE', 'h'],
    ['PFADD', 'h2', 'a'],
    ['PFDEBUG', 'TODENSE', 'h2'],
    ['GET', 'h2'],
    ['PFDEBUG', 'TODENSE', 'h2'],
    ['PFDEBUG', 'FOO', 'h2'],
    ['PFDEBUG', 'FOO', 'missing'],
    ['PFDEBUG', 'GETREG', 'missing'],
    ['PFDEBUG', 'GETREG'],
    ['PFDEBUG', 'GETREG', 'h', 'extra'],
    ['PFSELFTEST', 'x'],
  );
});

test('PFSELFTEST passes', async () => {
  // Slow on both servers (Redis adds 10M elements): generous timeouts, run side by side.
  pair.o.send('PFSELFTEST');
  pair.r.send('PFSELFTEST');
  assert.equal(await pair.o.read(120000), '+OK\r\n');
  assert.equal(await pair.r.read(120000), '+OK\r\n');
});

test('HyperLogLog commands reply identically in RESP3', async () => {
  await pair.reset();
  await pair.o.call('HELLO', '3');
  for (const cl of pair.respite.server.clients.values()) cl.out.proto = 3;
  try {
    await same(
      ['PFADD', 'h', 'a', 'b'],
      ['PFCOUNT', 'h'],
      ['PFMERGE', 'h2', 'h'],
      ['PFDEBUG', 'ENCODING', 'h2'],
      ['PFDEBUG', 'DECODE', 'h2'],
      ['PFDEBUG', 'TODENSE', 'h2'],
      ['PFCOUNT', 'h', 'h2'],
    );
  } finally {
    await pair.o.call('HELLO', '2');
    for (const cl of pair.respite.server.clients.values()) cl.out.proto = 2;
  }
});

/**
 * 8-byte elements whose hash has a run of 33, 40, 51 and 45 zero bits above the register
 * index (registers 5, 16000, 77, 5), made by inverting MurmurHash64A for a chosen hash.
 */
const RARE_ELEMENTS: string[] = [
  '\x78\x6c\xca\x60\x8f\x00\x7d\xff',
  '\x71\xaf\x85\x3c\x11\xee\x4e\xeb',
  '\xa3\x9d\x90\x31\xfe\x45\x52\xb7',
  '\xdc\xf2\x01\xcb\xd0\xaa\xf1\x00',
];
