/**
 * List commands against the oracle, byte for byte: every command with its options, edge
 * indexes and error replies, on a small and on a large list (with `list-max-listpack-size`
 * varied too, although 7.0's quicklist shows no difference to clients), in RESP2 and RESP3,
 * plus the keyspace events, `dirty` counts and key deletion each command produces.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPair, type Cmd, type Pair } from '../helpers/compat.js';
import { RawClient } from '../helpers/raw-client.js';
import { ListValue } from '../../src/store/types/list.js';

let pair: Pair;

/** Empties both servers (FLUSHALL where Respite has it, else its databases directly). */
async function reset(): Promise<void> {
  if (pair.respite.server.commands.has('flushall')) {
    await pair.reset();
    return;
  }
  assert.equal(await pair.o.call('FLUSHALL'), '+OK\r\n');
  for (const db of pair.respite.server.dbs) db.flush();
}

/** Sets a config option on both servers (CONFIG SET on the oracle). */
async function configBoth(name: string, value: string): Promise<void> {
  assert.equal(await pair.o.call('CONFIG', 'SET', name, value), '+OK\r\n');
  assert.equal(pair.respite.server.config.set(name, [value]), null);
}

/** Whether key exists on both servers alike (EXISTS on the oracle, the keyspace on Respite). */
async function sameExists(key: string, db = 0): Promise<void> {
  const o = await pair.o.call('EXISTS', key);
  const r = pair.respite.server.dbs[db].dict.has(key) ? ':1\r\n' : ':0\r\n';
  assert.equal(r, o, `existence of ${JSON.stringify(key)}`);
}

/** Element i of a seeded list: some repeat so LPOS/LREM/LINSERT find several matches. */
function elem(i: number): string {
  if (i % 7 === 3) return 'dup';
  if (i % 11 === 5) return String(i);
  return `e${i}`;
}

/** RPUSHes n seeded elements on both servers, in batches. */
async function seed(key: string, n: number): Promise<void> {
  for (let i = 0; i < n; i += 500) {
    const cmd: Cmd = ['RPUSH', key];
    for (let j = i; j < Math.min(n, i + 500); j++) cmd.push(elem(j));
    await pair.same(cmd);
  }
}

before(async () => {
  pair = await startPair();
});

after(async () => {
  await pair.close();
});

const VARIANTS = [
  { name: 'small list', n: 9, packSize: '-2' },
  { name: 'large list', n: 1500, packSize: '4' },
];

for (const v of VARIANTS) {
  describe(`list commands on a ${v.name}`, () => {
    const n = v.n;
    before(async () => {
      await configBoth('list-max-listpack-size', v.packSize);
    });

    test('LPUSH RPUSH LPUSHX RPUSHX LLEN and LRANGE with every kind of range', async () => {
      await reset();
      await seed('l', n);
      await pair.same(
        ['LPUSH', 'l', 'h1', 'h2', 'h3'],
        ['RPUSH', 'l', 't1', 't2'],
        ['LPUSHX', 'l', 'hx'],
        ['RPUSHX', 'l', 'tx', 'ty'],
        ['LPUSHX', 'missing', 'a'],
        ['RPUSHX', 'missing', 'a', 'b'],
        ['LLEN', 'l'],
        ['LLEN', 'missing'],
      );
      await sameExists('missing');
      const len = n + 8;
      const idx = [
        '0',
        '1',
        '2',
        '-1',
        '-2',
        '5',
        '-5',
        String(len - 1),
        String(len),
        String(len + 10),
        String(-len),
        String(-len - 1),
        '100',
        '-100',
        '9223372036854775807',
        '-9223372036854775808',
      ];
      for (const a of idx)
        for (const b of ['0', '-1', '3', '-3', String(len), '9223372036854775807', '-9223372036854775808']) {
          await pair.same(['LRANGE', 'l', a, b]);
        }
      await pair.same(
        ['LRANGE', 'missing', '0', '-1'],
        ['LRANGE', 'l', 'x', '1'],
        ['LRANGE', 'l', '0', '1.5'],
        ['LRANGE', 'l', ' 1', '2'],
        ['LRANGE', 'l', '9223372036854775808', '2'],
        ['LRANGE', 'missing', 'x', '1'],
      );
    });

    test('LINDEX and LSET at every position, out of range and on missing keys', async () => {
      await reset();
      await seed('l', n);
      for (const i of [
        '0',
        '1',
        '-1',
        '-2',
        String(n - 1),
        String(n),
        String(-n),
        String(-n - 1),
        '9223372036854775807',
        '-9223372036854775808',
      ]) {
        await pair.same(['LINDEX', 'l', i]);
      }
      await pair.same(['LINDEX', 'l', 'abc'], ['LINDEX', 'missing', 'abc'], ['LINDEX', 'missing', '0']);
      await pair.same(
        ['LSET', 'l', '0', 'first'],
        ['LSET', 'l', '-1', 'last'],
        ['LSET', 'l', String(Math.floor(n / 2)), 'a much longer value than the one it replaces '.repeat(3)],
        ['LSET', 'l', '1', ''],
        ['LSET', 'l', String(-Math.floor(n / 3)), 'x'],
        ['LSET', 'l', String(n), 'oops'],
        ['LSET', 'l', String(-n - 1), 'oops'],
        ['LSET', 'l', 'abc', 'oops'],
        ['LSET', 'missing', '0', 'x'],
        ['LSET', 'missing', 'abc', 'x'],
        ['LRANGE', 'l', '0', '-1'],
      );
      await sameExists('missing');
    });

    test('LINSERT before and after pivots, missing pivots and bad positions', async () => {
      await reset();
      await seed('l', n);
      await pair.same(
        ['LINSERT', 'l', 'BEFORE', 'e0', 'b0'],
        ['LINSERT', 'l', 'after', 'e0', 'a0'],
        ['LINSERT', 'l', 'Before', 'dup', 'bdup'],
        ['LINSERT', 'l', 'AFTER', elem(n - 1), 'tail'],
        ['LINSERT', 'l', 'AFTER', 'nope', 'x'],
        ['LINSERT', 'l', 'MIDDLE', 'e0', 'x'],
        ['LINSERT', 'missing', 'BEFORE', 'e0', 'x'],
        ['LINSERT', 'missing', 'MIDDLE', 'e0', 'x'],
        ['LINSERT', 'l', 'BEFORE', '', 'empty-pivot'],
        ['LRANGE', 'l', '0', '-1'],
      );
      if (n > 100)
        await pair.same(
          ['LINSERT', 'l', 'AFTER', elem(Math.floor(n / 2) + 1), 'mid'],
          ['LRANGE', 'l', '0', '-1'],
        );
      await sameExists('missing');
    });

    test('LREM from the head, from the tail and all, down to deleting the key', async () => {
      await reset();
      await seed('l', n);
      await pair.same(
        ['LREM', 'l', '1', 'dup'],
        ['LREM', 'l', '-1', 'dup'],
        ['LRANGE', 'l', '0', '-1'],
        ['LREM', 'l', '2', 'dup'],
        ['LREM', 'l', '-2', 'dup'],
        ['LREM', 'l', '0', 'nope'],
        ['LREM', 'l', '0', 'dup'],
        ['LRANGE', 'l', '0', '-1'],
        ['LREM', 'l', 'x', 'dup'],
        ['LREM', 'missing', '0', 'x'],
        ['LREM', 'missing', 'x', 'x'],
        ['LREM', 'l', '-9223372036854775808', 'e0'],
        ['LREM', 'l', '9223372036854775807', 'e1'],
        ['LRANGE', 'l', '0', '-1'],
      );
      await reset();
      await pair.same(['RPUSH', 'same', 'a', 'a', 'a'], ['LREM', 'same', '0', 'a'], ['LLEN', 'same']);
      await sameExists('same');
    });

    test('LTRIM keeps ranges, empties and deletes the list', async () => {
      for (const [a, b] of [
        ['1', '-2'],
        ['0', '-1'],
        ['-3', '-1'],
        ['2', '1'],
        [String(n + 5), '-1'],
        ['-100000', '100000'],
        ['0', '0'],
        ['-9223372036854775808', '9223372036854775807'],
      ]) {
        await reset();
        await seed('l', n);
        await pair.same(['LTRIM', 'l', a, b], ['LRANGE', 'l', '0', '-1']);
        await sameExists('l');
      }
      await pair.same(
        ['LTRIM', 'l', 'x', '1'],
        ['LTRIM', 'missing', '0', '1'],
        ['LTRIM', 'missing', 'x', '1'],
      );
    });

    test('LPOS with RANK, COUNT and MAXLEN, their limits and errors', async () => {
      await reset();
      await seed('l', n);
      const opts: string[][] = [
        [],
        ['RANK', '1'],
        ['RANK', '2'],
        ['RANK', '-1'],
        ['RANK', '-2'],
        ['RANK', '1000000'],
        ['RANK', '-1000000'],
        ['COUNT', '0'],
        ['COUNT', '1'],
        ['COUNT', '3'],
        ['COUNT', '0', 'RANK', '-1'],
        ['COUNT', '2', 'RANK', '2'],
        ['COUNT', '2', 'RANK', '-3'],
        ['MAXLEN', '10'],
        ['MAXLEN', '10', 'COUNT', '0'],
        ['MAXLEN', '10', 'COUNT', '0', 'RANK', '-1'],
        ['MAXLEN', '0', 'COUNT', '0'],
        ['rank', '2', 'count', '0', 'maxlen', '100'],
        ['RANK', '-9223372036854775808'],
        ['RANK', '-9223372036854775808', 'COUNT', '1'],
        ['RANK', '-9223372036854775808', 'COUNT', '0', 'MAXLEN', '20'],
        ['RANK', '-9223372036854775807'],
        ['RANK', '9223372036854775807', 'COUNT', '0'],
        ['RANK', '1', 'RANK', '2'],
      ];
      for (const el of ['dup', 'e0', elem(n - 1), 'nope', '']) {
        for (const o of opts) await pair.same(['LPOS', 'l', el, ...o]);
      }
      await pair.same(
        ['LPOS', 'l', 'dup', 'RANK', '0'],
        ['LPOS', 'l', 'dup', 'RANK', 'x'],
        ['LPOS', 'l', 'dup', 'COUNT', '-1'],
        ['LPOS', 'l', 'dup', 'COUNT', 'x'],
        ['LPOS', 'l', 'dup', 'COUNT', '9223372036854775808'],
        ['LPOS', 'l', 'dup', 'MAXLEN', '-1'],
        ['LPOS', 'l', 'dup', 'MAXLEN', 'x'],
        ['LPOS', 'l', 'dup', 'RANK'],
        ['LPOS', 'l', 'dup', 'FOO', '1'],
        ['LPOS', 'l', 'dup', 'COUNT'],
        ['LPOS', 'missing', 'dup'],
        ['LPOS', 'missing', 'dup', 'COUNT', '0'],
        ['LPOS', 'missing', 'dup', 'RANK', '0'],
      );
    });

    test('LPOP and RPOP with and without COUNT, in RESP2 and RESP3', async () => {
      for (const proto of ['2', '3']) {
        await reset();
        // HELLO's map differs by server (ids, versions): only the protocol switch matters.
        await pair.both('HELLO', proto);
        await seed('l', n);
        await pair.same(
          ['LPOP', 'l'],
          ['RPOP', 'l'],
          ['LPOP', 'l', '1'],
          ['RPOP', 'l', '2'],
          ['LPOP', 'l', '0'],
          ['RPOP', 'l', '0'],
          ['LPOP', 'l', '-1'],
          ['LPOP', 'l', 'abc'],
          ['LPOP', 'l', '9223372036854775808'],
          ['LPOP', 'l', '1', '2'],
          ['RPOP', 'l', '1', '2'],
          ['LPOP', 'missing'],
          ['RPOP', 'missing'],
          ['LPOP', 'missing', '1'],
          ['RPOP', 'missing', '0'],
          ['LPOP', 'missing', '-1'],
          ['LPOP', 'l', String(Math.floor(n / 2))],
          ['RPOP', 'l', '9223372036854775807'],
          ['LLEN', 'l'],
        );
        await sameExists('l');
      }
      await pair.both('HELLO', '2');
    });

    test('LMOVE in all four directions, rotation of one key, RPOPLPUSH', async () => {
      await reset();
      await seed('src', n);
      for (const [from, to] of [
        ['LEFT', 'LEFT'],
        ['LEFT', 'RIGHT'],
        ['RIGHT', 'LEFT'],
        ['right', 'right'],
      ]) {
        await pair.same(['LMOVE', 'src', 'dst', from, to], ['LRANGE', 'dst', '0', '-1']);
        await pair.same(['LMOVE', 'src', 'src', from, to], ['LINDEX', 'src', '0'], ['LINDEX', 'src', '-1']);
      }
      await pair.same(
        ['LMOVE', 'src', 'dst', 'UP', 'LEFT'],
        ['LMOVE', 'src', 'dst', 'LEFT', 'DOWN'],
        ['LMOVE', 'missing', 'dst', 'LEFT', 'LEFT'],
        ['LMOVE', 'missing', 'dst', 'UP', 'LEFT'],
        ['RPOPLPUSH', 'src', 'dst'],
        ['RPOPLPUSH', 'src', 'src'],
        ['RPOPLPUSH', 'missing', 'dst'],
        ['LRANGE', 'src', '0', '-1'],
        ['LRANGE', 'dst', '0', '-1'],
      );
      await sameExists('missing');
      await reset();
      await pair.same(
        ['RPUSH', 'one', 'x'],
        ['LMOVE', 'one', 'one', 'LEFT', 'RIGHT'],
        ['LRANGE', 'one', '0', '-1'],
      );
      await pair.same(['RPOPLPUSH', 'one', 'other'], ['LLEN', 'one'], ['LRANGE', 'other', '0', '-1']);
      await sameExists('one');
    });

    test('LMPOP: numkeys, directions, COUNT and the first non-empty key', async () => {
      await reset();
      await seed('b', n);
      await pair.same(
        ['LMPOP', '1', 'missing', 'LEFT'],
        ['LMPOP', '2', 'a', 'b', 'LEFT'],
        ['LMPOP', '2', 'a', 'b', 'RIGHT', 'COUNT', '3'],
        ['LMPOP', '3', 'a', 'missing', 'b', 'left', 'count', '1'],
        ['LMPOP', '1', 'b', 'RIGHT', 'COUNT', String(n * 2)],
        ['LMPOP', '1', 'b', 'RIGHT'],
        ['LMPOP', '0', 'b', 'LEFT'],
        ['LMPOP', '-1', 'b', 'LEFT'],
        ['LMPOP', 'x', 'b', 'LEFT'],
        ['LMPOP', '2', 'b', 'LEFT'],
        ['LMPOP', '5', 'b', 'LEFT'],
        ['LMPOP', '9223372036854775807', 'b', 'LEFT'],
        ['LMPOP', '1', 'b', 'MIDDLE'],
        ['LMPOP', '1', 'b', 'LEFT', 'COUNT'],
        ['LMPOP', '1', 'b', 'LEFT', 'COUNT', '0'],
        ['LMPOP', '1', 'b', 'LEFT', 'COUNT', '-1'],
        ['LMPOP', '1', 'b', 'LEFT', 'COUNT', 'x'],
        ['LMPOP', '1', 'b', 'LEFT', 'COUNT', '1', 'COUNT', '1'],
        ['LMPOP', '1', 'b', 'LEFT', 'FOO'],
        ['LMPOP', '1', 'b'],
      );
      await sameExists('b');
    });

    test('blocking commands reply at once when a list has elements, and time out when none has', async () => {
      await reset();
      await seed('a', n);
      await seed('c', 3);
      await pair.same(
        ['BLPOP', 'missing', 'a', 'c', '0'],
        ['BRPOP', 'missing', 'c', 'a', '1.5'],
        ['BLMPOP', '0', '3', 'missing', 'c', 'a', 'RIGHT', 'COUNT', '10'],
        ['BLMPOP', '0', '1', 'a', 'LEFT'],
        ['BLMOVE', 'a', 'd', 'LEFT', 'RIGHT', '0'],
        ['BLMOVE', 'a', 'd', 'RIGHT', 'LEFT', '0'],
        ['BRPOPLPUSH', 'a', 'd', '0'],
        ['LRANGE', 'd', '0', '-1'],
        ['BLPOP', 'missing', '0.01'],
        ['BRPOP', 'missing', 'missing2', '0.001'],
        ['BLMOVE', 'missing', 'd', 'LEFT', 'LEFT', '0.01'],
        ['BRPOPLPUSH', 'missing', 'd', '0.01'],
        ['BLMPOP', '0.01', '1', 'missing', 'LEFT'],
        ['BLMPOP', '0.01', '2', 'missing', 'missing2', 'LEFT', 'COUNT', '2'],
      );
    });
  });
}

describe('list commands: errors, types, binary data, events', () => {
  test('WRONGTYPE from every list command on a string key, and arity errors', async () => {
    await reset();
    await pair.same(['SET', 's', 'str'], ['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e', 'f']);
    await pair.same(
      ['LPUSH', 's', 'x'],
      ['RPUSH', 's', 'x'],
      ['LPUSHX', 's', 'x'],
      ['RPUSHX', 's', 'x'],
      ['LPOP', 's'],
      ['RPOP', 's', '2'],
      ['LPOP', 's', '-1'],
      ['LLEN', 's'],
      ['LRANGE', 's', '0', '-1'],
      ['LRANGE', 's', 'x', '-1'],
      ['LINDEX', 's', '0'],
      ['LINDEX', 's', 'x'],
      ['LSET', 's', '0', 'x'],
      ['LSET', 's', 'x', 'x'],
      ['LINSERT', 's', 'BEFORE', 'a', 'x'],
      ['LINSERT', 's', 'MIDDLE', 'a', 'x'],
      ['LREM', 's', '0', 'x'],
      ['LTRIM', 's', '0', '1'],
      ['LPOS', 's', 'x'],
      ['LPOS', 's', 'x', 'RANK', '0'],
      ['LMOVE', 's', 'l', 'LEFT', 'LEFT'],
      ['LMOVE', 'l', 's', 'LEFT', 'LEFT'],
      ['LMOVE', 'missing', 's', 'LEFT', 'LEFT'],
      ['RPOPLPUSH', 's', 'l'],
      ['RPOPLPUSH', 'l', 's'],
      ['LMPOP', '2', 's', 'l', 'LEFT'],
      ['LMPOP', '2', 'missing', 's', 'LEFT'],
      ['LMPOP', '2', 'l', 's', 'LEFT'],
      ['BLPOP', 's', 'l', '0'],
      ['BLPOP', 'missing', 's', '0'],
      ['BRPOP', 'l', 's', '0'],
      ['BLMOVE', 's', 'l', 'LEFT', 'LEFT', '0'],
      ['BLMOVE', 'l', 's', 'LEFT', 'LEFT', '0'],
      ['BRPOPLPUSH', 's', 'l', '0'],
      ['BLMPOP', '0', '2', 's', 'l', 'LEFT'],
      ['LRANGE', 'l', '0', '-1'],
    );
    for (const name of [
      'LPUSH',
      'RPUSH',
      'LPUSHX',
      'RPUSHX',
      'LPOP',
      'RPOP',
      'LLEN',
      'LRANGE',
      'LINDEX',
      'LSET',
      'LINSERT',
      'LREM',
      'LTRIM',
      'LPOS',
      'LMOVE',
      'RPOPLPUSH',
      'LMPOP',
      'BLPOP',
      'BRPOP',
      'BLMOVE',
      'BRPOPLPUSH',
      'BLMPOP',
    ]) {
      await pair.same([name], [name, 'k'], [name.toLowerCase(), 'k', 'a', 'b', 'c', 'd', 'e', 'f']);
    }
  });

  test('timeout arguments: errors, negatives, fractions and huge values', async () => {
    await reset();
    for (const t of [
      'abc',
      '',
      ' 1',
      '1 ',
      'nan',
      '-1',
      '-0.5',
      '-0.9999',
      '-1.001',
      'inf',
      '-inf',
      '+infinity',
      '1e16',
      '9.3e15',
      '9223372036854775807',
      '0x',
      '1e400',
      '1e5000',
      '-1e5000',
      '1e-5000',
      '1.5.',
      '1e',
      '0x1p',
      '--1',
    ]) {
      await pair.same(
        ['BLPOP', 'missing', t],
        ['BRPOP', 'missing', t],
        ['BLMOVE', 'missing', 'd', 'LEFT', 'LEFT', t],
        ['BRPOPLPUSH', 'missing', 'd', t],
        ['BLMPOP', t, '1', 'missing', 'LEFT'],
      );
    }
    // Argument errors come before the timeout's.
    await pair.same(
      ['BLMOVE', 'missing', 'd', 'UP', 'LEFT', 'x'],
      ['BLMPOP', 'x', '0', 'k', 'LEFT'],
      ['BLMPOP', '-1', '1', 'k', 'LEFT'],
    );
    // Timeouts that either expire at once (rounded up to 1 ms), block forever (rounded to
    // 0: "-0.001" is just above -1 ms as a long double) or are negative: a client blocks with
    // each on both servers, a push follows 100 ms later, and the replies must be the same.
    // Redis 7.0 notices expired deadlines in its cron (or on other events): hz 100 makes
    // that every 10 ms, well within the 100 ms before the push.
    assert.equal(await pair.o.call('CONFIG', 'SET', 'hz', '100'), '+OK\r\n');
    const o1 = await RawClient.connect(pair.oracle.port);
    const r1 = await RawClient.connect(pair.respite.port);
    try {
      for (const t of [
        '0.0001',
        '1e-10',
        '1e-400',
        '0x10p-20',
        '.001',
        '+.002',
        '-0.0001',
        '-0.001',
        '-1e-3',
        '-0.0009999',
        '-0',
        '0x0p0',
        '-1e-400',
        '0.001e0',
        '0E5',
      ]) {
        o1.send('BLPOP', 'tk', t);
        r1.send('BLPOP', 'tk', t);
        await new Promise((r) => setTimeout(r, 100));
        await pair.same(['RPUSH', 'tk', 'v']);
        const [a, b] = [await o1.read(), await r1.read()];
        assert.equal(b, a, `BLPOP tk ${t}`);
        await pair.same(['LPOP', 'tk']);
      }
    } finally {
      o1.close();
      r1.close();
      await pair.o.call('CONFIG', 'SET', 'hz', '10');
    }
  });

  test('binary-safe elements: NUL, CR LF, high bytes, empty strings and long values', async () => {
    await reset();
    const bin = ['\x00', 'a\r\nb', '\xff\xfe', '', 'x'.repeat(70000), '\x00\x00\x00', 'é'];
    await pair.same(['RPUSH', 'b', ...bin], ['LRANGE', 'b', '0', '-1']);
    for (let i = 0; i < bin.length; i++) await pair.same(['LPOS', 'b', bin[i]], ['LINDEX', 'b', String(i)]);
    await pair.same(
      ['LINSERT', 'b', 'AFTER', '\x00', '\r\n'],
      ['LREM', 'b', '0', ''],
      ['LSET', 'b', '2', '\x00\xff'],
      ['LRANGE', 'b', '0', '-1'],
      ['LMOVE', 'b', '\x00key', 'RIGHT', 'LEFT'],
      ['LRANGE', '\x00key', '0', '-1'],
      ['RPUSH', 'big', ...Array.from({ length: 40 }, (_, i) => (i % 2 ? 'y'.repeat(20000) : `\x00${i}`))],
      ['LRANGE', 'big', '0', '-1'],
      ['LSET', 'big', '5', 'short'],
      ['LSET', 'big', '6', 'z'.repeat(100000)],
      ['LRANGE', 'big', '3', '8'],
    );
  });

  test('a list reports the quicklist encoding at every size', async () => {
    await reset();
    for (const size of [1, 200, 5000]) {
      const key = `enc${size}`;
      await seed(key, size);
      const o = await pair.o.call('OBJECT', 'ENCODING', key);
      const value = pair.respite.server.dbs[0].dict.get(key);
      assert.ok(value instanceof ListValue);
      const r = pair.respite.server.commands.has('object')
        ? await pair.r.call('OBJECT', 'ENCODING', key)
        : `$${value.encoding().length}\r\n${value.encoding()}\r\n`;
      assert.equal(r, o);
    }
  });

  test('keyspace events of every list command, in order, with the deletions they cause', async () => {
    await reset();
    const sub = await RawClient.connect(pair.oracle.port);
    try {
      assert.equal(await pair.o.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEA'), '+OK\r\n');
      await sub.call('PSUBSCRIBE', '__keyevent@*');
      const events: string[] = [];
      const server = pair.respite.server;
      const saved = server.notifyKeyspaceEvent;
      server.notifyKeyspaceEvent = (_type, event, key, dbid) => void events.push(`${dbid}:${event}:${key}`);
      try {
        const script: Cmd[] = [
          ['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e', 'f'],
          ['LPUSH', 'l', 'z'],
          ['LPUSHX', 'l', 'y'],
          ['RPUSHX', 'nope', 'y'],
          ['LPOP', 'l'],
          ['RPOP', 'l', '2'],
          ['LPOP', 'l', '0'],
          ['LSET', 'l', '0', 'q'],
          ['LINSERT', 'l', 'BEFORE', 'q', 'p'],
          ['LINSERT', 'l', 'BEFORE', 'nope', 'p'],
          ['LREM', 'l', '0', 'nope'],
          ['LREM', 'l', '1', 'p'],
          ['LTRIM', 'l', '0', '-1'],
          ['LMOVE', 'l', 'm', 'LEFT', 'RIGHT'],
          ['RPOPLPUSH', 'l', 'm'],
          ['LMPOP', '1', 'l', 'LEFT', 'COUNT', '1'],
          ['BLPOP', 'l', '0'],
          ['BLMPOP', '0', '1', 'm', 'RIGHT', 'COUNT', '1'],
          ['BLMOVE', 'm', 'l', 'LEFT', 'LEFT', '0'],
          ['BRPOPLPUSH', 'l', 'm', '0'],
          ['LTRIM', 'm', '1', '0'],
          ['RPUSH', 'r', 'a'],
          ['LREM', 'r', '0', 'a'],
          ['RPUSH', 'r', 'a'],
          ['RPOP', 'r'],
        ];
        for (const cmd of script) await pair.same(cmd);
        await pair.o.call('PING');
        const oracleEvents: string[] = [];
        for (;;) {
          const msg = await sub.read(300).catch(() => null);
          if (msg === null) break;
          const parts = msg.split('\r\n');
          if (parts[2] !== 'pmessage') continue;
          // pmessage, pattern, channel, key
          const channel = parts[6];
          const m = /^__keyevent@(\d+)__:(.*)$/.exec(channel)!;
          oracleEvents.push(`${m[1]}:${m[2]}:${parts[8]}`);
        }
        assert.deepEqual(events, oracleEvents);
      } finally {
        server.notifyKeyspaceEvent = saved;
      }
    } finally {
      sub.close();
      await pair.o.call('CONFIG', 'SET', 'notify-keyspace-events', '');
    }
  });

  test('rdb_changes_since_last_save grows by what each list command changed', async () => {
    await reset();
    const dirty = async (c: RawClient) =>
      Number(/rdb_changes_since_last_save:(\d+)/.exec(await c.call('INFO', 'persistence'))![1]);
    const script: Cmd[] = [
      ['RPUSH', 'l', 'a', 'b', 'c', 'a', 'b', 'c', 'a'],
      ['LPUSHX', 'l', 'x', 'y'],
      ['RPUSHX', 'nope', 'x'],
      ['LPOP', 'l', '2'],
      ['RPOP', 'l'],
      ['LPOP', 'l', '0'],
      ['LSET', 'l', '0', 'q'],
      ['LINSERT', 'l', 'AFTER', 'q', 'r'],
      ['LREM', 'l', '0', 'a'],
      ['LREM', 'l', '0', 'nope'],
      ['LTRIM', 'l', '1', '-2'],
      ['LTRIM', 'l', '0', '-1'],
      ['LMOVE', 'l', 'm', 'LEFT', 'LEFT'],
      ['LMPOP', '1', 'l', 'LEFT', 'COUNT', '5'],
      ['BLPOP', 'm', '0'],
      ['RPUSH', 'n', '1', '2', '3'],
      ['BLMPOP', '0', '1', 'n', 'LEFT', 'COUNT', '2'],
      ['BLMOVE', 'n', 'o', 'LEFT', 'LEFT', '0'],
    ];
    for (const cmd of script) {
      const [o0, r0] = [await dirty(pair.o), await dirty(pair.r)];
      await pair.same(cmd);
      const [o1, r1] = [await dirty(pair.o), await dirty(pair.r)];
      assert.equal(r1 - r0, o1 - o0, `dirty delta of ${cmd.join(' ')}`);
    }
  });
});
