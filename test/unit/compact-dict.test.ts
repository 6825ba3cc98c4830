import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CompactDict } from '../../src/store/types/compact-dict.js';
import { externalBytes } from '../../src/store/external.js';
import { SetObject } from '../../src/store/types/set.js';
import { HashObject } from '../../src/store/types/hash.js';
import { prng } from '../helpers/prng.js';

function assertSame(d: CompactDict<number>, model: Map<string, number>): void {
  assert.equal(d.check(), null);
  assert.equal(d.size, model.size);
  for (let i = 0; i < d.size; i++) assert.equal(model.get(d.keyAt(i)), d.valAt(i));
}

test('a CompactDict agrees with a Map through random sets, deletes and deleteAts, across its split and shrinks', () => {
  const rnd = prng(7);
  const d = new CompactDict<number>(true);
  const model = new Map<string, number>();
  // Grow well past the split (65,536 keys), then shrink most of it away.
  for (let step = 0; step < 200000; step++) {
    const k = `k:${rnd(120000)}`;
    const v = rnd(1000);
    assert.equal(d.set(k, v), !model.has(k));
    model.set(k, v);
  }
  assertSame(d, model);
  for (let step = 0; step < 300000; step++) {
    const op = rnd(4);
    if (op === 0 && d.size > 0) {
      const i = rnd(d.size);
      const k = d.deleteAt(i);
      assert.ok(model.delete(k));
    } else if (op <= 2) {
      const k = `k:${rnd(120000)}`;
      assert.equal(d.delete(k), model.delete(k));
    } else {
      const k = `k:${rnd(120000)}`;
      assert.equal(d.get(k), model.get(k));
      assert.equal(d.has(k), model.has(k));
    }
  }
  assertSame(d, model);
  while (d.size > 10) assert.ok(model.delete(d.deleteAt(rnd(d.size))));
  assertSame(d, model);
  for (const [k, v] of model) assert.equal(d.get(k), v);
});

test('a small CompactDict (most sets) has no off-heap table and a small first page', () => {
  const d = new CompactDict<undefined>(false);
  for (const m of ['a', 'b', 'c']) d.add(m);
  assert.equal(d.tableBytes(), 0);
  assert.equal(d.check(), null);
  assert.equal(d.deleteAt(0), 'a');
  assert.deepEqual([d.keyAt(0), d.keyAt(1)], ['c', 'b']);
  assert.equal(d.check(), null);
});

test('a CompactDict of keys only (sets) keeps no values and tryAdd adds each key once', () => {
  const d = new CompactDict<undefined>(false, 1000);
  for (let i = 0; i < 1000; i++) assert.equal(d.tryAdd(String(i)), true);
  for (let i = 0; i < 1000; i++) assert.equal(d.tryAdd(String(i)), false);
  assert.equal(d.size, 1000);
  assert.equal(d.valAt(5), undefined);
  assert.equal(d.delete('500'), true);
  assert.equal(d.has('500'), false);
  assert.equal(d.check(), null);
});

test('binary and empty keys, and keys that differ only in their last byte, are distinct', () => {
  const d = new CompactDict<number>(true);
  const keys = ['', '\x00', '\x00\x00', '\xff', 'a\x00b', 'a\x00c', 'm000000041', 'm000000042'];
  keys.forEach((k, i) => d.add(k, i));
  keys.forEach((k, i) => assert.equal(d.get(k), i));
  assert.equal(d.get('\x00\x01'), undefined);
  assert.equal(d.check(), null);
});

test('a CompactDict SCAN meets every key present for the whole scan despite deletes and inserts', () => {
  const rnd = prng(11);
  const d = new CompactDict<number>(true);
  for (let i = 0; i < 5000; i++) d.add(`s:${i}`, i);
  const stable = new Set<string>();
  for (let i = 0; i < 5000; i += 3) stable.add(`s:${i}`);
  const seen = new Set<string>();
  let cursor = 0;
  let next = 5000;
  do {
    cursor = d.scan(cursor, 10, (k) => seen.add(k));
    // Churn between steps: delete non-stable keys, add new ones.
    for (let j = 0; j < 5; j++) {
      const k = d.keyAt(rnd(d.size));
      if (!stable.has(k)) d.delete(k);
      d.add(`s:${next}`, next);
      next++;
    }
  } while (cursor !== 0);
  for (const k of stable) assert.ok(seen.has(k), `${k} missed`);
  assert.equal(d.check(), null);
});

test('the lookup tables are counted as off-heap bytes (used_memory)', () => {
  const before = externalBytes();
  const d = new CompactDict<undefined>(false);
  for (let i = 0; i < 100000; i++) d.add(`x:${i}`);
  assert.ok(d.tableBytes() >= 100000 * 4, `tables ${d.tableBytes()} bytes`);
  // Tables the dict outgrew stay counted until the collector frees them.
  assert.ok(externalBytes() - before >= d.tableBytes());
});

test('heapBytes of a hashtable set or hash counts its V8 strings and page slots', () => {
  const s = SetObject.emptyHashtable();
  const h = new HashObject();
  for (let i = 0; i < 1000; i++) {
    const m = `m${String(i).padStart(9, '0')}`;
    s.add(m, 512);
    h.set(m, `v${String(i).padStart(9, '0')}`, false, 128, 64);
  }
  assert.equal(s.encoding(), 'hashtable');
  assert.equal(h.encoding(), 'hashtable');
  // A 10-char string is a 32-byte V8 object; a page slot is 8 bytes per column.
  assert.equal(s.heapBytes(), 1000 * (32 + 8));
  assert.equal(h.heapBytes(), 1000 * (32 + 32 + 16));
});
