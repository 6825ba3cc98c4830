/**
 * The set type (store/types/set.ts) on its own — intset ordering and int64 edges, encoding
 * conversions — and the uniformity of SRANDMEMBER and SPOP over a socket.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SetObject, intsetValue } from '../../src/store/types/set.js';
import { startRespite } from '../helpers/servers.js';
import { RawClient } from '../helpers/raw-client.js';
import { assertUniform, bulkItems, pipeline } from '../helpers/uniformity.js';

function members(s: SetObject): string[] {
  return Array.from({ length: s.size }, (_, i) => s.memberAt(i));
}

test('an intset keeps distinct int64 values in ascending order, switching to BigInt storage past 2^53', () => {
  const s = SetObject.emptyIntset();
  for (const v of ['5', '-3', '0', '42', '-1000', '7', '5', '0']) s.add(v, 512);
  assert.deepEqual(members(s), ['-1000', '-3', '0', '5', '7', '42']);
  assert.equal(s.add('5', 512), false);
  assert.equal(s.intsetWidth(), 2);
  assert.ok(s.add('9223372036854775807', 512));
  assert.ok(s.add('-9223372036854775808', 512));
  assert.ok(s.add('9007199254740993', 512));
  assert.equal(s.intsetWidth(), 8);
  assert.equal(s.encoding(), 'intset');
  assert.deepEqual(members(s), [
    '-9223372036854775808',
    '-1000',
    '-3',
    '0',
    '5',
    '7',
    '42',
    '9007199254740993',
    '9223372036854775807',
  ]);
  assert.ok(s.has('42') && s.has('9007199254740993') && !s.has('9007199254740992'));
  assert.ok(s.remove('-3') && !s.remove('-3'));
  assert.ok(s.remove('9223372036854775807'));
  assert.equal(s.size, 7);
  const copy = s.clone();
  copy.add('1', 512);
  assert.equal(s.size, 7);
  assert.equal(copy.size, 8);
  const w = SetObject.emptyIntset();
  w.add('70000', 512);
  assert.equal(w.intsetWidth(), 4);
});

test('an intset stays sorted under random inserts and removals (against a model)', () => {
  const s = SetObject.emptyIntset();
  const model = new Set<number>();
  let seed = 12345;
  const rnd = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed;
  };
  for (let i = 0; i < 5000; i++) {
    const v = (rnd() % 3001) - 1500;
    if (rnd() % 3 === 0) assert.equal(s.remove(String(v)), model.delete(v));
    else {
      assert.equal(s.add(String(v), 1 << 20), !model.has(v));
      model.add(v);
    }
  }
  assert.equal(s.encoding(), 'intset');
  assert.ok(s.size > 1024, 'big enough to use in-place inserts too');
  assert.deepEqual(members(s), [...model].sort((a, b) => a - b).map(String));
});

test('only canonical int64 strings are intset values', () => {
  for (const m of ['0', '-1', '123', '9223372036854775807', '-9223372036854775808'])
    assert.notEqual(intsetValue(m), null);
  for (const m of ['-0', '01', '+1', ' 1', '1 ', '', '-', '9223372036854775808', '1.0', '1e3', 'abc', '0x1'])
    assert.equal(intsetValue(m), null, m);
});

test('SetObject converts from intset to hashtable on a string member or past the entry limit', () => {
  const s = SetObject.forMember('1');
  assert.equal(s.encoding(), 'intset');
  for (let i = 0; i < 4; i++) s.add(String(i), 4);
  assert.equal(s.encoding(), 'intset');
  s.add('4', 4);
  assert.equal(s.encoding(), 'hashtable');
  assert.equal(s.size, 5);
  const t = SetObject.forMember('x');
  assert.equal(t.encoding(), 'hashtable');
  const u = SetObject.forMember('7');
  u.add('7', 512);
  u.add('seven', 512);
  assert.equal(u.encoding(), 'hashtable');
  assert.ok(u.has('7') && u.has('seven') && !u.has('07'));
  const v = u.clone();
  v.remove('7');
  assert.ok(u.has('7') && !v.has('7'));
  assert.ok(u.memoryUsage() > 0 && SetObject.forMember('1').memoryUsage() > 0);
});

/** A server with one intset and one hashtable set of 20 members each. */
async function withSets(fn: (c: RawClient, sets: Record<string, string[]>) => Promise<void>): Promise<void> {
  const srv = await startRespite();
  const c = await RawClient.connect(srv.port);
  try {
    const sets: Record<string, string[]> = {
      intset: Array.from({ length: 20 }, (_, i) => String(i * 3)),
      hashtable: Array.from({ length: 20 }, (_, i) => `m${i}`),
    };
    for (const [k, m] of Object.entries(sets)) await c.call('SADD', k, ...m);
    await fn(c, sets);
  } finally {
    c.close();
    await srv.close();
  }
}

test('SRANDMEMBER with a negative count draws members uniformly, with repeats', async () => {
  await withSets(async (c, sets) => {
    for (const [k, m] of Object.entries(sets)) {
      const draws = bulkItems(await c.call('SRANDMEMBER', k, -20000));
      assert.equal(draws.length, 20000);
      assertUniform(draws, m, `SRANDMEMBER ${k} -20000`);
    }
  });
});

test('SRANDMEMBER with a positive count picks distinct members, each equally likely', async () => {
  await withSets(async (c, sets) => {
    for (const [k, m] of Object.entries(sets)) {
      // 5 of 20 goes through Redis's CASE 4 (draw until distinct), 10 of 20 through CASE 3.
      for (const count of [1, 5, 10]) {
        const replies = await pipeline(
          c,
          Array.from({ length: 2000 }, () => ['SRANDMEMBER', k, count]),
        );
        const draws: string[] = [];
        for (const r of replies) {
          const items = bulkItems(r);
          assert.equal(items.length, count);
          assert.equal(new Set(items).size, count, 'members are distinct');
          draws.push(...items);
        }
        assertUniform(draws, m, `SRANDMEMBER ${k} ${count}`);
      }
      const one = await pipeline(
        c,
        Array.from({ length: 4000 }, () => ['SRANDMEMBER', k]),
      );
      assertUniform(
        one.map((r) => r.split('\r\n')[1]),
        m,
        `SRANDMEMBER ${k}`,
      );
    }
  });
});

test('SPOP pops uniformly, one member or a count of them, from either encoding', async () => {
  await withSets(async (c, sets) => {
    for (const [k, m] of Object.entries(sets)) {
      // 1, 5 (pop one by one) and 17 (rebuild from the 3 kept) of 20 members.
      for (const count of [0, 5, 17]) {
        const cmds: (string | number)[][] = [];
        const rounds = count === 0 ? 3000 : 600;
        for (let i = 0; i < rounds; i++) {
          cmds.push(['SADD', k, ...m]);
          cmds.push(count === 0 ? ['SPOP', k] : ['SPOP', k, count]);
        }
        const replies = await pipeline(c, cmds);
        const draws: string[] = [];
        for (let i = 1; i < replies.length; i += 2) {
          if (count === 0) draws.push(replies[i].split('\r\n')[1]);
          else {
            const items = bulkItems(replies[i]);
            assert.equal(new Set(items).size, count);
            draws.push(...items);
          }
        }
        assertUniform(draws, m, `SPOP ${k} ${count || ''}`);
        await c.call('SPOP', k, 100);
      }
    }
  });
});
