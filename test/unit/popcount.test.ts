/**
 * popcount (BITCOUNT's counter): the WebAssembly path and the JavaScript one against a naive
 * bit-by-bit count, on every alignment, short and long lengths, edge bytes (0x00, 0xff, one
 * bit), and ranges longer than the WebAssembly memory's 64 KB chunk.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { popcount, popcountJs, popcountUsesWasm } from '../../src/util/popcount.js';

function naive(b: Uint8Array, s: number, e: number): number {
  let n = 0;
  for (let i = s; i < e; i++) for (let k = 0; k < 8; k++) n += (b[i] >> k) & 1;
  return n;
}

function pseudoRandom(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

test('popcount uses WebAssembly on this runtime', () => {
  assert.equal(popcountUsesWasm(), true);
});

test('popcount matches a naive count at every start alignment and every length up to 300 bytes', () => {
  const b = pseudoRandom(400, 7);
  for (let s = 0; s < 16; s++)
    for (let len = 0; len <= 300; len++) {
      const want = naive(b, s, s + len);
      assert.equal(popcount(b, s, s + len), want, `start ${s} length ${len}`);
      assert.equal(popcountJs(b, s, s + len), want, `js: start ${s} length ${len}`);
    }
});

test('popcount counts edge byte values: all zeros, all ones, a single bit at each position', () => {
  for (const len of [1, 7, 8, 9, 63, 64, 65, 1000]) {
    assert.equal(popcount(Buffer.alloc(len), 0, len), 0);
    assert.equal(popcount(Buffer.alloc(len, 0xff), 0, len), len * 8);
    for (let bit = 0; bit < Math.min(len * 8, 130); bit++) {
      const b = Buffer.alloc(len);
      b[bit >> 3] = 0x80 >> (bit & 7);
      assert.equal(popcount(b, 0, len), 1, `length ${len} bit ${bit}`);
      assert.equal(popcount(b, 0, bit >> 3), 0);
    }
  }
});

test('popcount is exact over ranges spanning several 64 KB chunks, at odd offsets', () => {
  const b = pseudoRandom(300_000, 99);
  for (const [s, e] of [
    [0, 65536],
    [1, 65537],
    [3, 65535 * 2 + 9],
    [65535, 65537],
    [12345, 300_000],
    [0, 300_000],
  ])
    assert.equal(popcount(b, s, e), naive(b, s, e), `[${s}, ${e})`);
  const ones = Buffer.alloc(200_001, 0xff);
  assert.equal(popcount(ones, 0, ones.length), ones.length * 8);
});

test('popcount reads a view at a nonzero byteOffset of a shared ArrayBuffer', () => {
  const whole = pseudoRandom(5000, 3);
  for (let off = 0; off < 8; off++) {
    const view = whole.subarray(off + 100, off + 4100);
    for (const [s, e] of [
      [0, 4000],
      [5, 3999],
      [64, 128],
    ])
      assert.equal(popcount(view, s, e), naive(view, s, e));
  }
});
