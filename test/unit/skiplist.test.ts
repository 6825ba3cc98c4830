/**
 * ZSkipList invariants under random operations: level-0 order (score, then member bytes),
 * back pointers, tail, spans equal to rank differences at every level, dense node ids and
 * the member dict — checked against a sorted reference array.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ZSkipList } from '../../src/store/types/skiplist.js';

type Entry = [score: number, ele: string];

function cmp(a: Entry, b: Entry): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
}

/** A deterministic PRNG so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function contents(z: ZSkipList): Entry[] {
  const out: Entry[] = [];
  for (let x = z.first(); x !== 0; x = z.nextOf(x)) out.push([z.scoreOf(x), z.eleOf(x)]);
  return out;
}

function check(z: ZSkipList, ref: Entry[], what: string): void {
  const err = z.verify();
  assert.equal(err, null, `${what}: ${err}`);
  assert.deepEqual(contents(z), ref, what);
  for (let i = 0; i < ref.length; i += Math.max(1, Math.floor(ref.length / 50))) {
    assert.equal(z.getRank(ref[i][0], ref[i][1]), i + 1, `${what}: rank of ${ref[i][1]}`);
    const x = z.getElementByRank(i + 1);
    assert.equal(z.eleOf(x), ref[i][1], `${what}: element at rank ${i + 1}`);
  }
}

test('random inserts, deletes and score updates keep order, spans, back pointers and dense ids', () => {
  const rand = rng(42);
  const z = new ZSkipList(4);
  let ref: Entry[] = [];
  const members = new Map<string, number>();
  for (let step = 0; step < 6000; step++) {
    const op = rand();
    const ele = 'm' + Math.floor(rand() * 700);
    // Few distinct scores, so ties ordered by member bytes are exercised.
    const score = Math.floor(rand() * 20) - 10 + (rand() < 0.2 ? 0.5 : 0);
    const cur = members.get(ele);
    if (op < 0.5) {
      if (cur === undefined) {
        z.insert(score, ele);
        members.set(ele, score);
        ref.push([score, ele]);
      } else {
        z.updateScore(z.nodeOf(ele), score);
        members.set(ele, score);
        ref = ref.filter((e) => e[1] !== ele);
        ref.push([score, ele]);
      }
      ref.sort(cmp);
    } else if (op < 0.85) {
      assert.equal(z.delete(ele), cur !== undefined);
      if (cur !== undefined) {
        members.delete(ele);
        ref = ref.filter((e) => e[1] !== ele);
      }
    } else if (op < 0.9) {
      const min = Math.floor(rand() * 20) - 10;
      const max = min + Math.floor(rand() * 4);
      const n = z.deleteRangeByScore(min, false, max, true);
      const keep = ref.filter((e) => !(e[0] >= min && e[0] < max));
      assert.equal(n, ref.length - keep.length);
      for (const e of ref) if (e[0] >= min && e[0] < max) members.delete(e[1]);
      ref = keep;
    } else if (op < 0.95) {
      if (ref.length > 0) {
        const a = 1 + Math.floor(rand() * ref.length);
        const b = Math.min(ref.length, a + Math.floor(rand() * 5));
        assert.equal(z.deleteRangeByRank(a, b), b - a + 1);
        for (const e of ref.slice(a - 1, b)) members.delete(e[1]);
        ref.splice(a - 1, b - a + 1);
      }
    } else {
      const lo = 'm' + Math.floor(rand() * 700);
      const hi = 'm' + Math.floor(rand() * 700);
      // Lex deletion is only meaningful with one score: check it on a separate list.
      const lz = new ZSkipList();
      const all = ['a', 'b', lo, hi, 'm5', 'zz'];
      for (const m of new Set(all)) lz.insert(0, m);
      const before = [...new Set(all)].sort();
      const n = lz.deleteRangeByLex(lo, true, hi, false);
      const kept = before.filter((m) => !(m > lo && m <= hi));
      assert.equal(n, before.length - kept.length);
      assert.deepEqual(
        contents(lz).map((e) => e[1]),
        kept,
      );
      assert.equal(lz.verify(), null);
    }
    assert.equal(z.length, ref.length);
    if (step % 200 === 0) check(z, ref, `step ${step}`);
  }
  check(z, ref, 'end');
});

test('ids stay dense 1..length: deleting gives the last id to the hole', () => {
  const z = new ZSkipList();
  for (let i = 0; i < 100; i++) z.insert(i, 'e' + String(i).padStart(3, '0'));
  for (let i = 0; i < 100; i += 3) z.delete('e' + String(i).padStart(3, '0'));
  assert.equal(z.verify(), null);
  const ids: number[] = [];
  for (let i = 0; i < 100; i++) {
    const n = z.nodeOf('e' + String(i).padStart(3, '0'));
    if (n !== 0) ids.push(z.idOf(n));
  }
  ids.sort((a, b) => a - b);
  for (let id = 1; id <= z.length; id++) assert.equal(z.idOf(z.nodeOfId(id)), id);
  assert.deepEqual(
    ids,
    Array.from({ length: z.length }, (_, i) => i + 1),
  );
  assert.equal(z.ele.length, z.length + 1);
});

test('range queries find the first and last nodes of score and lex ranges', () => {
  const z = new ZSkipList();
  for (let i = 0; i < 50; i++) z.insert(i * 2, 'k' + String(i).padStart(2, '0'));
  assert.equal(z.scoreOf(z.firstGte(10, false)), 10);
  assert.equal(z.scoreOf(z.firstGte(10, true)), 12);
  assert.equal(z.scoreOf(z.lastLte(10, false)), 10);
  assert.equal(z.scoreOf(z.lastLte(10, true)), 8);
  assert.equal(z.firstGte(1000, false), 0);
  assert.equal(z.lastLte(-1, false), 0);
  const lex = new ZSkipList();
  for (const m of ['a', 'b', 'c', 'd']) lex.insert(0, m);
  assert.equal(lex.eleOf(lex.firstLexGte('b', true)), 'c');
  assert.equal(lex.eleOf(lex.lastLexLte('c', true)), 'b');
  assert.equal(lex.eleOf(lex.lastLexLte('c', false)), 'c');
});

test('a large list keeps O(log n) structure: rank of every 1000th element is exact', () => {
  const z = new ZSkipList();
  const n = 50000;
  for (let i = 0; i < n; i++) z.insert(Math.floor(i / 3), 'x' + i);
  assert.equal(z.verify(), null);
  assert.ok(z.level > 4 && z.level <= 32);
  const ref: Entry[] = [];
  for (let i = 0; i < n; i++) ref.push([Math.floor(i / 3), 'x' + i]);
  ref.sort(cmp);
  for (let i = 0; i < n; i += 1000) assert.equal(z.getRank(ref[i][0], ref[i][1]), i + 1);
});

test('score updates move the node itself: its block, id and level survive, spans stay exact', () => {
  const rand = rng(7);
  const z = new ZSkipList(4);
  const ref = new Map<string, number>();
  for (let i = 0; i < 300; i++) {
    const e = 'u' + i;
    const s = Math.floor(rand() * 50);
    z.insert(s, e);
    ref.set(e, s);
  }
  for (let step = 0; step < 3000; step++) {
    // Every 10th update moves the tallest node, whose unlinking can lower the list's level.
    let ele = 'u' + Math.floor(rand() * 300);
    if (step % 10 === 0) {
      let tallest = z.first();
      for (let x = z.first(); x !== 0; x = z.nextOf(x)) if (z.levelOf(x) > z.levelOf(tallest)) tallest = x;
      ele = z.eleOf(tallest);
    }
    const node = z.nodeOf(ele);
    const id = z.idOf(node);
    const level = z.levelOf(node);
    const s = rand() < 0.1 ? ref.get(ele)! : Math.floor(rand() * 50) + (rand() < 0.3 ? 0.25 : 0);
    assert.equal(z.updateScore(node, s), node);
    ref.set(ele, s);
    assert.equal(z.nodeOf(ele), node);
    assert.equal(z.idOf(node), id);
    assert.equal(z.levelOf(node), level);
    assert.equal(z.scoreOf(node), s);
    if (step % 100 === 0) {
      const want: Entry[] = [...ref].map(([e, sc]) => [sc, e]);
      check(z, want.sort(cmp), `update ${step}`);
    }
  }
  check(z, [...ref].map(([e, sc]): Entry => [sc, e]).sort(cmp), 'end');
});
