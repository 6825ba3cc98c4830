/**
 * The hash type (store/types/hash.ts) on its own — listpack/listpackex ordering, conversions,
 * field TTL bookkeeping against a model — and the uniformity of HRANDFIELD over a socket.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HashObject } from '../../src/store/types/hash.js';
import { startRespite } from '../helpers/servers.js';
import { RawClient } from '../helpers/raw-client.js';
import { assertUniform, bulkItems, pipeline } from '../helpers/uniformity.js';

function fields(h: HashObject): string[] {
  return Array.from({ length: h.length }, (_, i) => h.fieldAt(i));
}

test('a listpack hash keeps insertion order, updates in place and converts past its limits', () => {
  const h = new HashObject();
  assert.equal(h.set('a', '1', false, 3, 10), true);
  assert.equal(h.set('b', '2', false, 3, 10), true);
  assert.equal(h.set('a', '3', false, 3, 10), false);
  assert.deepEqual(fields(h), ['a', 'b']);
  assert.equal(h.valueAt(h.indexOf('a')), '3');
  h.set('c', '4', false, 3, 10);
  assert.equal(h.encoding(), 'listpack');
  h.set('d', '5', false, 3, 10);
  assert.equal(h.encoding(), 'hashtable');
  assert.equal(h.length, 4);
  const g = new HashObject();
  g.set('k', 'x'.repeat(11), false, 128, 10);
  assert.equal(g.encoding(), 'hashtable');
  assert.ok(h.delete('a') && !h.delete('a'));
  assert.equal(h.indexOf('a'), -1);
  assert.ok(h.memoryUsage() > 0 && new HashObject().memoryUsage() > 0);
});

test('a listpackex orders fields by expire time, persistent ones last, like Redis 7.4', () => {
  const h = new HashObject();
  for (const f of ['a', 'b', 'c', 'd']) h.set(f, f.toUpperCase(), false, 128, 64);
  h.enableTtls();
  assert.equal(h.encoding(), 'listpackex');
  h.setTtlAt(h.indexOf('c'), 300);
  h.setTtlAt(h.indexOf('a'), 100);
  h.setTtlAt(h.indexOf('d'), 300);
  assert.deepEqual(fields(h), ['a', 'd', 'c', 'b']);
  assert.equal(h.minExpire(), 100);
  assert.equal(h.expiredCount(301), 3);
  assert.equal(h.expiredCount(300), 1);
  // Keeping the TTL (HINCRBY) keeps the place; replacing it (HSET) moves the field to the end.
  h.set('d', 'x', true, 128, 64);
  assert.deepEqual(fields(h), ['a', 'd', 'c', 'b']);
  h.set('a', 'y', false, 128, 64);
  assert.deepEqual(fields(h), ['d', 'c', 'b', 'a']);
  assert.equal(h.ttlAt(h.indexOf('a')), 0);
  assert.deepEqual(h.popExpired(300, 1), ['d']);
  assert.deepEqual(h.popExpired(300, 10), ['c']);
  assert.deepEqual(h.popExpired(10 ** 12, 10), []);
  assert.deepEqual(fields(h), ['b', 'a']);
  assert.equal(h.minExpire(), 0);
  assert.equal(h.hasTtls, false);
});

test('field TTLs survive conversion to a hashtable and cloning', () => {
  const h = new HashObject();
  for (let i = 0; i < 5; i++) h.set(`f${i}`, 'v', false, 128, 64);
  h.enableTtls();
  h.setTtlAt(h.indexOf('f1'), 50);
  h.setTtlAt(h.indexOf('f3'), 20);
  h.toHashtable();
  assert.equal(h.encoding(), 'hashtable');
  assert.equal(h.ttlAt(h.indexOf('f1')), 50);
  assert.equal(h.ttlAt(h.indexOf('f3')), 20);
  assert.equal(h.minExpire(), 20);
  const copy = h.clone();
  h.setTtlAt(h.indexOf('f3'), 0);
  assert.equal(h.minExpire(), 50);
  assert.equal(copy.minExpire(), 20);
  assert.deepEqual(copy.popExpired(50, 10), ['f3', 'f1']);
  assert.equal(copy.length, 3);
  assert.equal(h.length, 5);
});

test('hashtable field TTLs match a model under random sets, changes, deletes and expiry', () => {
  let seed = 777;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const h = new HashObject();
  h.toHashtable();
  h.enableTtls();
  const model = new Map<string, number>(); // field -> ttl (0 none)
  let now = 0;
  for (let step = 0; step < 20000; step++) {
    const f = `f${rnd(300)}`;
    const op = rnd(10);
    if (op < 3) {
      const keepTtl = rnd(2) === 0;
      assert.equal(h.set(f, 'v', keepTtl, 128, 64), !model.has(f));
      if (!keepTtl || !model.has(f)) model.set(f, 0);
    } else if (op < 6) {
      const i = h.indexOf(f);
      if (i !== -1) {
        const t = rnd(4) === 0 ? 0 : now + 1 + rnd(1000);
        h.setTtlAt(i, t);
        model.set(f, t);
      }
    } else if (op < 7) {
      assert.equal(h.delete(f), model.delete(f));
    } else if (op < 8) {
      now += rnd(50);
      const gone = h.popExpired(now, 5 + rnd(20));
      let last = -1;
      for (const g of gone) {
        const t = model.get(g)!;
        assert.ok(t !== 0 && t <= now && t >= last, `popped ${g} at ${t}`);
        last = t;
        model.delete(g);
      }
    } else {
      let min = 0;
      for (const t of model.values()) if (t !== 0 && (min === 0 || t < min)) min = t;
      assert.equal(h.minExpire(), min);
    }
    assert.equal(h.length, model.size);
  }
  for (const [f, t] of model) assert.equal(h.ttlAt(h.indexOf(f)), t);
});

async function withHashes(fn: (c: RawClient, fields: string[]) => Promise<void>): Promise<void> {
  const srv = await startRespite();
  const c = await RawClient.connect(srv.port);
  try {
    const names = Array.from({ length: 20 }, (_, i) => `f${i}`);
    const args = names.flatMap((f) => [f, `v-${f}`]);
    await c.call('HSET', 'listpack', ...args);
    srv.server.config.set('hash-max-listpack-entries', ['0']);
    await c.call('HSET', 'hashtable', ...args);
    assert.equal(srv.server.dbs[0].dict.get('hashtable')!.constructor, HashObject);
    await fn(c, names);
  } finally {
    c.close();
    await srv.close();
  }
}

test('HRANDFIELD with a negative count draws fields uniformly, values matching', async () => {
  await withHashes(async (c, names) => {
    for (const k of ['listpack', 'hashtable']) {
      const draws = bulkItems(await c.call('HRANDFIELD', k, -20000));
      assertUniform(draws, names, `HRANDFIELD ${k} -20000`);
      const pairs = bulkItems(await c.call('HRANDFIELD', k, -2000, 'WITHVALUES'));
      for (let i = 0; i < pairs.length; i += 2) assert.equal(pairs[i + 1], `v-${pairs[i]}`);
      assertUniform(
        pairs.filter((_, i) => i % 2 === 0),
        names,
        `HRANDFIELD ${k} -2000 WITHVALUES`,
      );
    }
  });
});

test('HRANDFIELD with a positive count picks distinct fields, each equally likely', async () => {
  await withHashes(async (c, names) => {
    for (const k of ['listpack', 'hashtable']) {
      for (const count of [1, 5, 10, 19]) {
        const replies = await pipeline(
          c,
          Array.from({ length: 1500 }, () => ['HRANDFIELD', k, count]),
        );
        const draws: string[] = [];
        for (const r of replies) {
          const items = bulkItems(r);
          assert.equal(new Set(items).size, count);
          draws.push(...items);
        }
        assertUniform(draws, names, `HRANDFIELD ${k} ${count}`);
      }
      const one = await pipeline(
        c,
        Array.from({ length: 4000 }, () => ['HRANDFIELD', k]),
      );
      assertUniform(
        one.map((r) => r.split('\r\n')[1]),
        names,
        `HRANDFIELD ${k}`,
      );
    }
  });
});

test('packed listpack(ex) hashes match a model of Redis ordering, with short, 2-byte and 5-byte lengths', () => {
  let seed = 4242;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const value = (): string => {
    const len = [0, 1, 5, 127, 128, 300, 16383, 16384, 20000][rnd(9)];
    return String.fromCharCode(rnd(256)).repeat(len);
  };
  for (const ex of [false, true]) {
    const h = new HashObject();
    const model: { f: string; v: string; t: number }[] = [];
    let now = 0;
    for (let step = 0; step < 3000; step++) {
      const f = `f${rnd(40)}\u0000\u00ff`;
      const op = rnd(8);
      const at = model.findIndex((e) => e.f === f);
      if (step === 50 && ex) h.enableTtls();
      const ttls = ex && step > 50;
      if (op < 3) {
        const v = value();
        const keepTtl = rnd(2) === 0;
        assert.equal(h.set(f, v, keepTtl, 1000, 1 << 20), at === -1);
        if (at === -1) model.push({ f, v, t: 0 });
        else {
          model[at].v = v;
          if (!keepTtl && model[at].t !== 0) model.push(...model.splice(at, 1).map((e) => ({ ...e, t: 0 })));
        }
      } else if (op < 4) {
        assert.equal(h.delete(f), at !== -1);
        if (at !== -1) model.splice(at, 1);
      } else if (op < 6 && ttls && at !== -1) {
        const when = rnd(3) === 0 ? 0 : now + 1 + rnd(100);
        h.setTtlAt(h.indexOf(f), when);
        const [e] = model.splice(at, 1);
        e.t = when;
        let j = model.length;
        if (when !== 0) j = model.findIndex((x) => x.t === 0 || x.t >= when);
        if (j === -1) j = model.length;
        model.splice(j, 0, e);
      } else if (op < 7 && ttls) {
        now += rnd(30);
        const max = 1 + rnd(5);
        const gone = h.popExpired(now, max);
        const expect: string[] = [];
        while (expect.length < max && model.length > 0 && model[0].t !== 0 && model[0].t <= now) {
          expect.push(model.shift()!.f);
        }
        assert.deepEqual(gone, expect);
      } else {
        const i = h.indexOf(f);
        assert.equal(i, at);
        if (i !== -1) assert.equal(h.valueAt(i), model[at].v);
      }
      assert.equal(h.length, model.length);
    }
    assert.equal(h.encoding(), ex ? 'listpackex' : 'listpack');
    assert.deepEqual(
      h.lpEntries(),
      model.flatMap((e) => [e.f, e.v]),
    );
    for (let i = 0; i < model.length; i++) {
      assert.equal(h.fieldAt(i), model[i].f);
      assert.equal(h.valueAt(i), model[i].v);
      assert.equal(h.ttlAt(i), ex ? model[i].t : 0);
    }
    h.toHashtable();
    for (const e of model) assert.equal(h.valueAt(h.indexOf(e.f)), e.v);
  }
});
