/**
 * The list type's data structure against a plain array model: random pushes, pops, sets,
 * inserts, removals and trims at sizes that cross the small form and many chunks, with
 * binary, empty and long elements.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ListValue,
  LIST_HEAD,
  LIST_TAIL,
  Needle,
  SMALL_MAX,
  type BulkSink,
} from '../../src/store/types/list.js';

/** Collects what writeRange emits. */
class Collect implements BulkSink {
  items: string[] = [];
  bulk(s: string): void {
    this.items.push(s);
  }
  bulkBytes(buf: Buffer, start: number, end: number): void {
    this.items.push(buf.latin1Slice(start, end));
  }
}

/** A small deterministic PRNG (mulberry32) so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomValue(r: () => number): string {
  const kind = r();
  if (kind < 0.05) return '';
  if (kind < 0.1) {
    // binary bytes, including NUL and 0xff
    let s = '';
    const n = 1 + Math.floor(r() * 8);
    for (let i = 0; i < n; i++) s += String.fromCharCode(Math.floor(r() * 256));
    return s;
  }
  if (kind < 0.12) return 'L'.repeat(200 + Math.floor(r() * 3000));
  if (kind < 0.5) return String(Math.floor(r() * 20));
  return 'v' + Math.floor(r() * 100000);
}

function check(l: ListValue, model: string[], what: string): void {
  assert.equal(l.length, model.length, `${what}: length`);
  const c = new Collect();
  l.writeRange(c, 0, model.length);
  assert.deepEqual(c.items, model, `${what}: contents`);
  if (model.length > 0) {
    const r = new Collect();
    l.writeRange(r, model.length - 1, model.length, true);
    assert.deepEqual(r.items, model.slice().reverse(), `${what}: reverse contents`);
  }
}

function fuzz(seed: number, steps: number, maxLen: number): void {
  const r = rng(seed);
  const l = new ListValue();
  const model: string[] = [];
  for (let step = 0; step < steps; step++) {
    const op = r();
    const grow = model.length < maxLen;
    if (op < 0.3 && grow) {
      // a burst of pushes, so sizes cross chunk boundaries
      const n = 1 + Math.floor(r() * 600);
      const head = r() < 0.5;
      for (let i = 0; i < n; i++) {
        const v = randomValue(r);
        if (head) {
          l.pushHead(v);
          model.unshift(v);
        } else {
          l.pushTail(v);
          model.push(v);
        }
      }
    } else if (op < 0.45) {
      const n = Math.floor(r() * 300);
      for (let i = 0; i < n && model.length > 0; i++) {
        const where = r() < 0.5 ? LIST_HEAD : LIST_TAIL;
        const got = l.pop(where);
        const want = where === LIST_HEAD ? model.shift() : model.pop();
        assert.equal(got, want, `seed ${seed} step ${step}: pop`);
      }
    } else if (op < 0.55 && model.length > 0) {
      const i = Math.floor(r() * model.length);
      assert.equal(l.at(i), model[i]);
      assert.ok(l.matchAt(i, new Needle(model[i])));
      const v = randomValue(r);
      l.set(i, v);
      model[i] = v;
    } else if (op < 0.65 && grow) {
      const i = Math.floor(r() * (model.length + 1));
      const v = randomValue(r);
      l.insert(i, v);
      model.splice(i, 0, v);
    } else if (op < 0.72 && model.length > 0) {
      const target = model[Math.floor(r() * model.length)];
      const limit = r() < 0.5 ? 0 : 1 + Math.floor(r() * 3);
      const fromTail = r() < 0.5;
      const removed = l.removeMatching(new Needle(target), limit, fromTail);
      let want = 0;
      if (!fromTail) {
        for (let i = 0; i < model.length && (limit === 0 || want < limit); i++) {
          if (model[i] === target) {
            model.splice(i--, 1);
            want++;
          }
        }
      } else {
        for (let i = model.length - 1; i >= 0 && (limit === 0 || want < limit); i--) {
          if (model[i] === target) {
            model.splice(i, 1);
            want++;
          }
        }
      }
      assert.equal(removed, want, `seed ${seed} step ${step}: removed`);
    } else if (op < 0.8 && model.length > 0) {
      const a = Math.floor(r() * Math.min(model.length, 700));
      const b = Math.floor(r() * Math.min(model.length - a, 700));
      l.dropHead(a);
      l.dropTail(b);
      model.splice(0, a);
      model.length -= b;
    } else if (op < 0.85 && model.length > 0) {
      const needle = model[Math.floor(r() * model.length)];
      assert.equal(l.indexOf(new Needle(needle)), model.indexOf(needle));
    } else if (op < 0.9 && model.length > 0) {
      const start = Math.floor(r() * model.length);
      const count = Math.floor(r() * (model.length - start)) + 1;
      const c = new Collect();
      l.writeRange(c, start, count);
      assert.deepEqual(c.items, model.slice(start, start + count));
    }
    if (step % 10 === 0) check(l, model, `seed ${seed} step ${step}`);
  }
  check(l, model, `seed ${seed} end`);
  check(l.clone(), model, `seed ${seed} clone`);
  assert.deepEqual(l.toArray(), model);
}

test('list deque matches an array model under random operations (many chunks)', () => {
  for (let seed = 1; seed <= 12; seed++) fuzz(seed, 400, 6000);
});

test('list deque matches an array model around the small-form threshold', () => {
  for (let seed = 100; seed <= 130; seed++) {
    const r = rng(seed);
    const l = new ListValue();
    const model: string[] = [];
    for (let step = 0; step < 300; step++) {
      const op = r();
      const v = randomValue(r);
      if (op < 0.35 && model.length < SMALL_MAX + 6) {
        l.pushTail(v);
        model.push(v);
      } else if (op < 0.6 && model.length < SMALL_MAX + 6) {
        l.pushHead(v);
        model.unshift(v);
      } else if (op < 0.8) {
        const where = r() < 0.5 ? LIST_HEAD : LIST_TAIL;
        assert.equal(l.pop(where), where === LIST_HEAD ? model.shift() : model.pop());
      } else if (model.length < SMALL_MAX + 6) {
        const i = Math.floor(r() * (model.length + 1));
        l.insert(i, v);
        model.splice(i, 0, v);
      }
      check(l, model, `seed ${seed} step ${step}`);
    }
  }
});

test('alternating pushes at both ends of one chunk and huge elements keep order', () => {
  const l = new ListValue();
  const model: string[] = [];
  for (let i = 0; i < 5000; i++) {
    const v = i % 1000 === 0 ? 'x'.repeat(70000) : 'e' + i;
    if (i % 2 === 0) {
      l.pushHead(v);
      model.unshift(v);
    } else {
      l.pushTail(v);
      model.push(v);
    }
  }
  check(l, model, 'alternating');
  l.set(2500, 'y'.repeat(100000));
  model[2500] = 'y'.repeat(100000);
  l.set(10, '');
  model[10] = '';
  check(l, model, 'after set');
});

test('a list always reports the quicklist encoding', () => {
  const l = new ListValue();
  assert.equal(l.encoding(), 'quicklist');
  for (let i = 0; i < 2000; i++) l.pushTail('x' + i);
  assert.equal(l.encoding(), 'quicklist');
  assert.ok(l.memoryUsage() > 2000);
});
