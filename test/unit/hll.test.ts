/**
 * The HyperLogLog engine's arithmetic: MurmurHash64A on 32-bit halves equals a BigInt
 * reference on random inputs, the run length and register index come from the right bits,
 * the register accessors keep neighbours intact, and SETBIT-style growth of a big bitmap
 * reserves room geometrically (no copy of the whole value per step).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { H64, denseGet, denseSetRaw, murmur64, patLen } from '../../src/util/hll.js';
import { popcount } from '../../src/util/popcount.js';
import { startRespite } from '../helpers/servers.js';
import { RawClient } from '../helpers/raw-client.js';

const M = 0xc6a4a7935bd1e995n;
const MASK = (1n << 64n) - 1n;

/** MurmurHash64A in BigInt, straight from the algorithm's description. */
function reference(bytes: number[], seed: bigint): bigint {
  const len = bytes.length;
  let h = (seed ^ ((BigInt(len) * M) & MASK)) & MASK;
  const n8 = len - (len & 7);
  let i = 0;
  for (; i < n8; i += 8) {
    let k = 0n;
    for (let j = 7; j >= 0; j--) k = (k << 8n) | BigInt(bytes[i + j]);
    k = (k * M) & MASK;
    k ^= k >> 47n;
    k = (k * M) & MASK;
    h ^= k;
    h = (h * M) & MASK;
  }
  const rest = len & 7;
  if (rest) {
    for (let j = rest - 1; j >= 0; j--) h ^= BigInt(bytes[i + j]) << BigInt(8 * j);
    h = (h * M) & MASK;
  }
  h ^= h >> 47n;
  h = (h * M) & MASK;
  h ^= h >> 47n;
  return h;
}

test('murmur64 equals a BigInt MurmurHash64A on random binary inputs of 0..70 bytes', () => {
  let seed = 12345;
  const rand = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed >>> 8;
  };
  for (let t = 0; t < 5000; t++) {
    const len = t % 71;
    const bytes: number[] = [];
    for (let i = 0; i < len; i++) bytes.push(rand() & 255);
    murmur64(String.fromCharCode(...bytes));
    const got = (BigInt(H64[0]) << 32n) | BigInt(H64[1]);
    assert.equal(got, reference(bytes, 0xadc83b19n), `hash of ${JSON.stringify(bytes)}`);
  }
});

test('patLen counts the zero run above the 14 index bits, up to 51', () => {
  for (const [e, count] of [
    ['\x78\x6c\xca\x60\x8f\x00\x7d\xff', 33],
    ['\x71\xaf\x85\x3c\x11\xee\x4e\xeb', 40],
    ['\xa3\x9d\x90\x31\xfe\x45\x52\xb7', 51],
  ] as [string, number][]) {
    assert.equal(patLen(e), count);
  }
  for (let i = 0; i < 1000; i++) {
    const e = `elem:${i}`;
    const c = patLen(e);
    const h = (BigInt(H64[0]) << 32n) | BigInt(H64[1]);
    let x = (h >> 14n) | (1n << 50n);
    let n = 1;
    while ((x & 1n) === 0n) {
      n++;
      x >>= 1n;
    }
    assert.equal(c, n, e);
  }
});

test('dense registers are read back as written without disturbing neighbours', () => {
  const buf = Buffer.alloc(16 + 12288);
  const vals = new Uint8Array(16384);
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 16384; i++) {
      vals[i] = (i * 31 + round * 17) % 64;
      denseSetRaw(buf, 16, i, vals[i]);
    }
    for (let i = 0; i < 16384; i++) assert.equal(denseGet(buf, 16, i), vals[i]);
  }
});

test('popcount agrees with a bit-by-bit count at every alignment', () => {
  const b = Buffer.alloc(300);
  for (let i = 0; i < b.length; i++) b[i] = (i * 73 + 11) & 255;
  for (let s = 0; s < 9; s++) {
    for (let e = s; e < b.length; e += 37) {
      let n = 0;
      for (let i = s; i < e; i++) for (let k = 0; k < 8; k++) n += (b[i] >> k) & 1;
      assert.equal(popcount(b, s, e), n);
    }
  }
});

test('a bitmap grown by SETBIT one byte at a time past 1 MB keeps its handle and reserves room geometrically', async () => {
  const srv = await startRespite();
  const c = await RawClient.connect(srv.port);
  try {
    await c.call('SETBIT', 'bm', String(8 * 1024 * 1024), '1');
    const db = srv.server.dbs[0];
    const h = db.dict.get('bm') as number;
    let reallocations = 0;
    let cap = db.strings.capacityOf(h);
    // 8 MB of growth in 64 KB steps from an exactly sized 1 MB value: with +1 MB steps this
    // would reallocate 8 times, with 1.5x steps 4 times.
    for (let off = 1024 * 1024 + 65536; off <= 9 * 1024 * 1024; off += 65536) {
      assert.equal(await c.call('SETBIT', 'bm', String(off * 8), '1'), ':0\r\n');
      assert.equal(db.dict.get('bm'), h);
      if (db.strings.capacityOf(h) !== cap) {
        reallocations++;
        cap = db.strings.capacityOf(h);
      }
    }
    assert.ok(reallocations <= 4, `${reallocations} reallocations`);
    assert.equal(await c.call('STRLEN', 'bm'), `:${9 * 1024 * 1024 + 1}\r\n`);
    assert.equal(await c.call('BITCOUNT', 'bm'), `:${1 + 128}\r\n`);
  } finally {
    c.close();
    await srv.close();
  }
});
