import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Dict, PAGE_SIZE } from '../../src/store/dict.js';
import { KeyTable, MAX_KEYS } from '../../src/store/key-table.js';
import { externalBytes } from '../../src/store/external.js';
import { CompactDict } from '../../src/store/types/compact-dict.js';
import { prng } from '../helpers/prng.js';

/** Checks that every index maps back to its key and the Maps hold exactly the entries. */
function checkIndex<V>(d: Dict<V>, limit: number): void {
  for (let i = 0; i < d.size; i++) assert.equal(d.indexOf(d.keyAt(i)), i, `index of ${d.keyAt(i)}`);
  const sizes = d.mapSizes();
  assert.equal(
    sizes.reduce((a, b) => a + b, 0),
    d.size,
  );
  for (const s of sizes) assert.ok(s <= limit, `an internal Map holds ${s} > ${limit} entries`);
}

test('a Dict holds far more keys than one internal Map may (scaled-down segment limit)', () => {
  const limit = 256;
  const d = new Dict<number>(limit);
  const n = 30000; // ~117 times what one Map may hold
  for (let i = 0; i < n; i++) assert.equal(d.set(`key:${i}`, i), true);
  assert.equal(d.size, n);
  assert.ok(d.mapSizes().length > 1, 'the Dict split');
  checkIndex(d, limit);
  for (let i = 0; i < n; i++) assert.equal(d.get(`key:${i}`), i);
  assert.equal(d.get('key:-1'), undefined);
  assert.equal(d.set('key:5', 55), false);
  assert.equal(d.get('key:5'), 55);
  // Delete every third key across every segment; the rest stay reachable.
  for (let i = 0; i < n; i += 3) assert.equal(d.delete(`key:${i}`), i === 5 ? 55 : i);
  assert.equal(d.delete('key:0'), undefined);
  for (let i = 0; i < n; i++) assert.equal(d.has(`key:${i}`), i % 3 !== 0);
  checkIndex(d, limit);
  // Random picks and a full scan work across segments.
  for (let i = 0; i < 1000; i++) {
    const k = d.randomKey()!;
    assert.ok(d.has(k));
  }
  const seen = new Set<string>();
  let cursor = 0;
  do {
    cursor = d.scan(cursor, 97, (k) => {
      assert.ok(!seen.has(k), `scan returned ${k} twice without changes`);
      seen.add(k);
    });
  } while (cursor !== 0);
  assert.equal(seen.size, d.size);
  d.clear();
  assert.equal(d.size, 0);
  assert.equal(d.randomKey(), undefined);
  d.add('again', 1);
  assert.equal(d.get('again'), 1);
});

test('Dict operations agree with a Map model under random changes, before and after the split', () => {
  const rnd = prng(42);
  for (const limit of [32, 256, 1 << 24]) {
    const d = new Dict<number>(limit);
    const model = new Map<string, number>();
    for (let step = 0; step < 20000; step++) {
      const k = `k${rnd(3000)}`;
      const op = rnd(10);
      if (op < 5) {
        assert.equal(d.set(k, step), !model.has(k));
        model.set(k, step);
      } else if (op < 8) {
        assert.equal(d.delete(k), model.get(k));
        model.delete(k);
      } else if (op < 9 && d.size > 0) {
        const i = d.randomIndex();
        const key = d.keyAt(i);
        assert.equal(d.valAt(i), model.get(key));
        assert.equal(d.deleteAt(i), key);
        model.delete(key);
      } else if (d.size > 0) {
        const i = d.randomIndex();
        d.setAt(i, -step);
        model.set(d.keyAt(i), -step);
      }
      if (step % 5000 === 0) checkIndex(d, limit);
    }
    assert.equal(d.size, model.size);
    for (const [k, v] of model) assert.equal(d.get(k), v);
    for (const [k, v] of d.entries()) assert.equal(model.get(k), v);
    checkIndex(d, limit);
  }
});

test('entries stay right across page boundaries while the Dict grows past several pages and shrinks back', () => {
  const rnd = prng(9);
  const d = new Dict<number>();
  const model = new Map<string, number>();
  const moves: [string | null, number, number][] = [];
  d.onMove = (key, from, to) => moves.push([key, from, to]);
  const n = 2 * PAGE_SIZE + 1234;
  for (let i = 0; i < n; i++) {
    d.add(`p${i}`, i);
    model.set(`p${i}`, i);
  }
  assert.equal(d.size, n);
  for (const i of [0, PAGE_SIZE - 1, PAGE_SIZE, 2 * PAGE_SIZE, n - 1]) {
    assert.equal(d.keyAt(i), `p${i}`);
    assert.equal(d.valAt(i), i);
  }
  // Delete at random down to half a page: the last entry fills each hole, from whichever
  // page it is on, and the emptied pages go.
  while (d.size > PAGE_SIZE / 2) {
    const i = rnd(d.size);
    const last = d.size - 1;
    const lastKey = d.keyAt(last);
    const key = d.keyAt(i);
    moves.length = 0;
    assert.equal(d.deleteAt(i), key);
    model.delete(key);
    assert.deepEqual(moves, [[i === last ? null : lastKey, last, i]]);
    if (i !== last) assert.equal(d.keyAt(i), lastKey);
  }
  checkIndex(d, 1 << 28);
  // Grow again over the boundaries with overwrites mixed in.
  for (let i = 0; i < PAGE_SIZE + 10; i++) {
    d.set(`q${i}`, i);
    model.set(`q${i}`, i);
    if (i % 7 === 0) {
      const j = rnd(d.size);
      d.setAt(j, -i);
      model.set(d.keyAt(j), -i);
    }
  }
  assert.equal(d.size, model.size);
  for (const [k, v] of model) assert.equal(d.get(k), v);
  let seen = 0;
  let cursor = 0;
  do cursor = d.scan(cursor, 5000, (k, v) => (assert.equal(model.get(k), v), seen++));
  while (cursor !== 0);
  assert.equal(seen, model.size);
  checkIndex(d, 1 << 28);
  d.clear();
  assert.equal(d.size, 0);
  d.add('x', 1);
  assert.equal(d.keyAt(0), 'x');
});

/** Pearson chi-square of observed counts against a uniform expectation. */
function chiSquare(counts: number[], samples: number): number {
  const e = samples / counts.length;
  let x = 0;
  for (const c of counts) x += ((c - e) * (c - e)) / e;
  return x;
}

test('randomIndex picks every entry with equal probability, also after deletes and the split', () => {
  for (const [limit, n, per] of [
    [1 << 24, 50, 4000],
    [16, 1000, 200],
  ]) {
    const d = new Dict<number>(limit);
    // Insert extra keys and delete them so that swap-moves reshuffle the arrays.
    for (let i = 0; i < n * 2; i++) d.add(`r${i}`, i);
    for (let i = 0; i < n * 2; i += 2) d.delete(`r${i}`);
    assert.equal(d.size, n);
    const slot = new Map<string, number>();
    for (let i = 0; i < n; i++) slot.set(d.keyAt(i), i);
    const counts = new Array<number>(n).fill(0);
    const samples = n * per;
    for (let s = 0; s < samples; s++) counts[slot.get(d.randomKey()!)!]++;
    // Mean n-1, standard deviation sqrt(2(n-1)): 6 sigmas is a false alarm once in ~10^9.
    const dof = n - 1;
    const chi = chiSquare(counts, samples);
    assert.ok(
      chi < dof + 6 * Math.sqrt(2 * dof),
      `chi-square ${chi.toFixed(1)} for ${dof} degrees of freedom`,
    );
    assert.ok(Math.min(...counts) > 0);
  }
});

test('scan returns every key present for the whole scan while keys come and go between steps', () => {
  const rnd = prng(7);
  for (let round = 0; round < 300; round++) {
    const limit = [16, 64, 1 << 24][round % 3];
    const d = new Dict<number>(limit);
    let next = 0;
    const initial = 1 + rnd(400);
    for (let i = 0; i < initial; i++) d.add(`s${next++}`, 0);
    // Keys deleted at some point do not have to be returned; the others must be.
    const everDeleted = new Set<string>();
    const seen = new Set<string>();
    const count = 1 + rnd(20);
    let cursor = 0;
    let steps = 0;
    do {
      cursor = d.scan(cursor, count, (k) => seen.add(k));
      const adds = rnd(2 * count);
      for (let i = 0; i < adds; i++) d.add(`s${next++}`, 0);
      const dels = Math.min(d.size, rnd(2 * count));
      for (let i = 0; i < dels; i++) everDeleted.add(d.deleteAt(d.randomIndex()));
      assert.ok(++steps < 100000, 'scan does not terminate');
    } while (cursor !== 0);
    for (let i = 0; i < initial; i++) {
      const k = `s${i}`;
      if (!everDeleted.has(k)) assert.ok(seen.has(k), `round ${round}: scan missed ${k}`);
    }
  }
});

test('scan cursors: 0 starts and ends, never 0 mid-scan, a cursor beyond the size restarts at the top', () => {
  const d = new Dict<number>();
  assert.equal(
    d.scan(0, 10, () => assert.fail('empty')),
    0,
  );
  for (let i = 0; i < 25; i++) d.add(`c${i}`, i);
  const got: string[] = [];
  const c1 = d.scan(0, 10, (k) => got.push(k));
  assert.ok(c1 !== 0);
  assert.equal(got.length, 10);
  const c2 = d.scan(c1, 10, (k) => got.push(k));
  assert.ok(c2 !== 0);
  const c3 = d.scan(c2, 10, (k) => got.push(k));
  assert.equal(c3, 0);
  assert.equal(new Set(got).size, 25);
  const all: string[] = [];
  assert.equal(
    d.scan(1e30, 100, (k) => all.push(k)),
    0,
  );
  assert.equal(all.length, 25);
  // Exactly `count` at a time, even when count divides the size.
  const d2 = new Dict<number>();
  for (let i = 0; i < 20; i++) d2.add(`x${i}`, i);
  let n = 0;
  const c = d2.scan(0, 20, () => n++);
  assert.equal(n, 20);
  assert.equal(c, 0);
});

test('the Dict throws instead of overfilling an internal Map past its limit', () => {
  // With a limit of 1 every key splits off... until two keys share a segment.
  const d = new Dict<number>(1);
  assert.throws(() => {
    for (let i = 0; i < 100000; i++) d.add(`o${i}`, i);
  }, RangeError);
  checkIndex(d, 1);
});

test('binary keys (every byte value, empty, high bytes) are stored and found, and the table stays sound', () => {
  for (const limit of [8, 1 << 24]) {
    const d = new Dict<number>(limit);
    const keys: string[] = [''];
    for (let b = 0; b < 256; b++) keys.push(String.fromCharCode(b), `k${String.fromCharCode(b)}\x00\xff`);
    for (let i = 0; i < 500; i++) keys.push(String.fromCharCode(255 - (i & 255), i >> 8, 0, 128 + (i & 127)));
    keys.forEach((k, i) => assert.equal(d.set(k, i), true, JSON.stringify(k)));
    assert.equal(d.check(), null);
    keys.forEach((k, i) => assert.equal(d.get(k), i));
    assert.equal(d.get('\u0000\u0000'), undefined);
    for (let i = 0; i < keys.length; i += 2) assert.equal(d.delete(keys[i]), i);
    keys.forEach((k, i) => assert.equal(d.has(k), i % 2 === 1));
    assert.equal(d.check(), null);
  }
});

test('the lookup table stays consistent (counts, every key at its index) through growth, shrinking and the split', () => {
  const rnd = prng(11);
  for (const limit of [64, 1 << 24]) {
    const d = new Dict<number>(limit);
    const live: string[] = [];
    // Grow past the split, shrink to a handful (tables shrink), grow again.
    for (const target of [5000, 20, 3000, 0, 100]) {
      while (d.size < target) {
        const k = `t${rnd(1e9)}`;
        if (d.tryAdd(k, d.size)) live.push(k);
      }
      while (d.size > target) {
        if (rnd(2) === 0) d.delete(live[rnd(live.length)]);
        else d.deleteAt(d.randomIndex());
      }
      assert.equal(d.check(), null, `limit ${limit}, size ${d.size}`);
    }
    assert.equal(d.tryAdd(d.keyAt(0), -1), false);
    assert.notEqual(d.get(d.keyAt(0)), -1);
  }
});

test('the lookup table lives off the V8 heap at a few bytes per key and is counted for used_memory', () => {
  const before = externalBytes();
  const d = new Dict<number>();
  const n = 100000;
  for (let i = 0; i < n; i++) d.add(`mem:${i}`, i);
  const bytes = d.tableBytes();
  assert.ok(bytes >= n * 4 && bytes <= n * 12, `${bytes} table bytes for ${n} keys`);
  assert.ok(externalBytes() - before >= bytes);
  assert.equal(d.mapSizes().length, 1024);
  assert.equal(
    d.mapSizes().reduce((a, b) => a + b, 0),
    n,
  );
});

test('a table refuses an index beyond what its 28-bit slots hold, changing nothing', () => {
  const keys: string[] = [];
  const t = new KeyTable({ keyAt: (i) => keys[i] }, 0, undefined, undefined, 'T');
  assert.equal(t.find('a'), -1);
  assert.throws(() => t.insertAtProbe(MAX_KEYS), RangeError);
  assert.equal(t.check(0), null);
  assert.equal(t.find('a'), -1);
  assert.equal(t.insertAtProbe(0), false);
  keys.push('a');
  assert.equal(t.find('a'), 0);
  assert.equal(t.check(1), null);
});

test('add after a lookup miss stays right when other dicts and tables are probed or changed in between', () => {
  const rnd = prng(5);
  const ds = [new Dict<number>(), new Dict<number>(64), new Dict<number>()];
  const cds = [new CompactDict<number>(true), new CompactDict<number>(true)];
  const models = ds.map(() => new Map<string, number>());
  for (let step = 0; step < 30000; step++) {
    const j = rnd(ds.length);
    const d = ds[j];
    const k = `a${rnd(2000)}`;
    if (d.indexOf(k) !== -1) {
      if (rnd(2) === 0) d.delete(k);
      else models[j].delete(d.deleteAt(d.randomIndex()));
      models[j].delete(k);
      if (d.has(k)) models[j].set(k, d.get(k)!);
    } else {
      // Something else between the miss and the add: another dict, a CompactDict, or this one.
      const op = rnd(5);
      if (op === 0) ds[(j + 1) % ds.length].has(`a${rnd(2000)}`);
      else if (op === 1) cds[rnd(2)].set(`c${rnd(3000)}`, step);
      else if (op === 2) cds[rnd(2)].delete(`c${rnd(3000)}`);
      else if (op === 3 && d.size > 0) d.get(d.keyAt(d.randomIndex()));
      d.add(k, step);
      models[j].set(k, step);
    }
  }
  ds.forEach((d, j) => {
    assert.equal(d.check(), null);
    assert.equal(d.size, models[j].size);
    for (const [key, v] of models[j]) assert.equal(d.get(key), v);
  });
  for (const c of cds) assert.equal(c.check(), null);
  // A miss, then the same key added to a different dict, then to the first: both hold it once.
  const a = new Dict<number>();
  const b = new Dict<number>();
  assert.equal(a.indexOf('x'), -1);
  b.add('x', 1);
  a.add('x', 2);
  assert.equal(a.check(), null);
  assert.equal(b.check(), null);
  assert.equal(a.get('x'), 2);
  assert.equal(b.get('x'), 1);
});

test('reserve sizes an empty Dict so that adding that many keys never grows a table, and leaves a non-empty one alone', () => {
  for (const n of [1000, 200000]) {
    const d = new Dict<number>();
    d.reserve(n);
    const bytes = d.tableBytes();
    for (let i = 0; i < n; i++) d.add(`bulk:${i}`, i);
    assert.equal(d.tableBytes(), bytes, `${n} keys: the tables did not grow`);
    // At most the bytes growth would reach: 5 per slot at a load of at least 0.35.
    assert.ok(bytes <= (n * 5) / 0.35 + 1024 * 64, `${bytes} table bytes for ${n} keys`);
    assert.equal(d.check(), null);
    for (let i = 0; i < n; i += 7) assert.equal(d.get(`bulk:${i}`), i);
    // Deletes and further growth work on the reserved layout.
    for (let i = 0; i < n; i += 2) d.delete(`bulk:${i}`);
    for (let i = n; i < n + n / 2; i++) d.add(`bulk:${i}`, i);
    assert.equal(d.check(), null);
  }
  const d = new Dict<number>();
  d.add('one', 1);
  const bytes = d.tableBytes();
  d.reserve(1000000);
  assert.equal(d.tableBytes(), bytes);
  assert.equal(d.get('one'), 1);
});
