/**
 * Keyspace commands against the oracle: every reply is compared byte for byte, except where
 * the order of keys is unspecified (KEYS, SCAN), where the sets of keys are compared.
 */
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { startPair, type Pair, type Cmd } from '../helpers/compat.js';
import { RawClient } from '../helpers/raw-client.js';
import { NOTIFY_NEW } from '../../src/server/notify.js';
import { specs } from '../../src/commands/keyspace.js';
import type { CommandSpec } from '../../src/commands/types.js';

/** Parses one raw RESP2 reply into strings / numbers / arrays / null (errors as Error). */
function parse(raw: string): unknown {
  let pos = 0;
  const line = (): string => {
    const e = raw.indexOf('\r\n', pos);
    const s = raw.slice(pos, e);
    pos = e + 2;
    return s;
  };
  const value = (): unknown => {
    const l = line();
    const t = l[0];
    const rest = l.slice(1);
    if (t === '+') return rest;
    if (t === '-') return new Error(rest);
    if (t === ':') return Number(rest);
    if (t === '$') {
      const n = Number(rest);
      if (n < 0) return null;
      const s = raw.slice(pos, pos + n);
      pos += n + 2;
      return s;
    }
    if (t === '*') {
      const n = Number(rest);
      if (n < 0) return null;
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) out.push(value());
      return out;
    }
    throw new Error(`unexpected reply ${JSON.stringify(raw)}`);
  };
  return value();
}

async function call(c: RawClient, ...cmd: Cmd): Promise<unknown> {
  return parse(await c.call(...cmd));
}

/** Runs a whole SCAN iteration; returns the sorted distinct keys and the number of calls. */
async function scanAll(c: RawClient, ...opts: Cmd): Promise<string[]> {
  const seen = new Set<string>();
  let cursor = '0';
  let calls = 0;
  do {
    const r = (await call(c, 'SCAN', cursor, ...opts)) as [string, string[]];
    assert.ok(Array.isArray(r), `SCAN replied ${String(r)}`);
    cursor = r[0];
    for (const k of r[1]) seen.add(k);
    assert.ok(++calls < 100000, 'SCAN does not terminate');
  } while (cursor !== '0');
  return [...seen].sort();
}

async function sortedKeys(c: RawClient, pattern: string): Promise<string[]> {
  const r = (await call(c, 'KEYS', pattern)) as string[];
  assert.ok(Array.isArray(r), `KEYS replied ${String(r)}`);
  return r.sort();
}

const ALL_BYTES = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('keyspace commands match redis-server', () => {
  let pair: Pair;

  before(async () => {
    pair = await startPair(['--enable-debug-command', 'yes']);
  });
  after(async () => {
    await pair.close();
  });
  beforeEach(async () => {
    await pair.reset();
  });

  /** Both servers stop expiring keys actively (to observe lazy expiry). */
  async function noActiveExpire(on = false): Promise<void> {
    assert.equal(await pair.o.call('DEBUG', 'SET-ACTIVE-EXPIRE', on ? '1' : '0'), '+OK\r\n');
    pair.respite.server.activeExpireEnabled = on;
  }

  it('DEL and UNLINK count deleted keys, once per key even when repeated', async () => {
    for (const cmd of ['DEL', 'UNLINK']) {
      await pair.same(
        ['SET', 'a', '1'],
        ['SET', 'b', '2'],
        ['SET', '', 'empty'],
        [cmd, 'a', 'a', 'missing', 'b'],
        [cmd, 'a'],
        [cmd, ''],
        ['EXISTS', '', 'a', 'b'],
        [cmd],
        ['SET', ALL_BYTES, 'x'],
        [cmd, ALL_BYTES, ALL_BYTES],
      );
    }
  });

  it('EXISTS counts every argument, duplicates included', async () => {
    await pair.same(
      ['SET', 'a', '1'],
      ['SET', ALL_BYTES, 'v'],
      ['EXISTS', 'a'],
      ['EXISTS', 'a', 'a', 'a', 'nokey'],
      ['EXISTS', ALL_BYTES, ALL_BYTES.slice(1)],
      ['EXISTS', 'nokey'],
      ['EXISTS'],
      ['EXISTS', ''],
    );
  });

  it('TYPE reports string or none and checks arity', async () => {
    await pair.same(
      ['SET', 'a', '1'],
      ['TYPE', 'a'],
      ['TYPE', 'nokey'],
      ['TYPE', ''],
      ['TYPE'],
      ['TYPE', 'a', 'b'],
      ['type', 'a'],
    );
  });

  it('TOUCH counts existing keys and checks arity', async () => {
    await pair.same(['SET', 'a', '1'], ['TOUCH', 'a', 'a', 'b'], ['TOUCH', 'b'], ['TOUCH']);
  });

  it('RENAME moves value and TTL, handles missing and same keys', async () => {
    await pair.same(
      ['RENAME', 'nokey', 'b'],
      ['RENAME', 'nokey', 'nokey'],
      ['SET', 'a', 'hello'],
      ['RENAME', 'a', 'a'],
      ['GET', 'a'],
      ['RENAME', 'a', 'b'],
      ['EXISTS', 'a'],
      ['GET', 'b'],
      ['TTL', 'b'],
      ['EXPIRE', 'b', '100'],
      ['RENAME', 'b', 'c'],
      ['TTL', 'c'],
      ['SET', 'd', 'old'],
      ['EXPIRE', 'd', '500'],
      ['SET', 'e', 'new'],
      ['RENAME', 'e', 'd'],
      ['GET', 'd'],
      ['TTL', 'd'],
      ['RENAME', 'c', ALL_BYTES],
      ['GET', ALL_BYTES],
      ['TTL', ALL_BYTES],
      ['RENAME', ALL_BYTES, ''],
      ['GET', ''],
      ['RENAME', 'x'],
      ['RENAME', 'x', 'y', 'z'],
    );
  });

  it('RENAMENX refuses an existing destination and replies 0 for the same key', async () => {
    await pair.same(
      ['RENAMENX', 'nokey', 'b'],
      ['RENAMENX', 'nokey', 'nokey'],
      ['SET', 'a', '1'],
      ['SET', 'b', '2'],
      ['RENAMENX', 'a', 'a'],
      ['RENAMENX', 'a', 'b'],
      ['GET', 'b'],
      ['EXPIRE', 'a', '100'],
      ['RENAMENX', 'a', 'c'],
      ['GET', 'c'],
      ['TTL', 'c'],
      ['EXISTS', 'a'],
      ['RENAMENX', 'c'],
    );
  });

  it('RENAME and RENAMENX see an expired source as missing and an expired target as free', async () => {
    await noActiveExpire();
    try {
      await pair.same(['SET', 'a', '1'], ['PEXPIRE', 'a', '1'], ['SET', 'b', '2'], ['PEXPIRE', 'b', '1']);
      await sleep(10);
      await pair.same(
        ['RENAME', 'a', 'x'],
        ['SET', 'c', '3'],
        ['RENAMENX', 'c', 'b'],
        ['GET', 'b'],
        ['DBSIZE'],
      );
    } finally {
      await noActiveExpire(true);
    }
  });

  it('COPY copies value, encoding and TTL, within and across databases', async () => {
    await pair.same(
      ['COPY', 'nokey', 'b'],
      ['COPY', 'a', 'a'],
      ['COPY', 'nokey', 'nokey'],
      ['SET', 'a', 'value'],
      ['COPY', 'a', 'a'],
      ['COPY', 'a', 'a', 'DB', '0'],
      ['COPY', 'a', 'a', 'DB', '1'],
      ['COPY', 'a', 'b'],
      ['GET', 'b'],
      ['COPY', 'a', 'b'],
      ['SET', 'a', 'changed'],
      ['GET', 'b'],
      ['COPY', 'a', 'b', 'REPLACE'],
      ['GET', 'b'],
      ['EXPIRE', 'a', '1000'],
      ['COPY', 'a', 'c', 'replace'],
      ['TTL', 'c'],
      ['SET', 'int', '12345'],
      ['COPY', 'int', 'int2'],
      ['OBJECT', 'ENCODING', 'int2'],
      ['SET', 'raw', 'x'.repeat(100)],
      ['COPY', 'raw', 'raw2'],
      ['OBJECT', 'ENCODING', 'raw2'],
      ['GET', 'raw2'],
      ['COPY', 'a', 'x', 'DB', '5'],
      ['SELECT', '5'],
      ['GET', 'x'],
      ['TTL', 'x'],
      ['SELECT', '0'],
      ['COPY', 'a', 'x', 'DB', '5'],
      ['COPY', 'a', 'x', 'DB', '5', 'REPLACE'],
      ['COPY', 'a', 'x', 'DB', '1', 'DB', '2'],
      ['SELECT', '2'],
      ['EXISTS', 'x'],
      ['SELECT', '0'],
      ['COPY', ALL_BYTES, 'y'],
      ['SET', ALL_BYTES, ALL_BYTES],
      ['COPY', ALL_BYTES, ''],
      ['GET', ''],
    );
  });

  it('COPY rejects bad options and database indexes', async () => {
    await pair.same(
      ['SET', 'a', 'v'],
      ['COPY', 'a'],
      ['COPY', 'a', 'b', 'DB'],
      ['COPY', 'a', 'b', 'DB', 'x'],
      ['COPY', 'a', 'b', 'DB', '16'],
      ['COPY', 'a', 'b', 'DB', '-1'],
      ['COPY', 'a', 'b', 'DB', '99999999999'],
      ['COPY', 'a', 'b', 'FOO'],
      ['COPY', 'a', 'b', 'REPLACE', 'FOO'],
      ['COPY', 'a', 'a', 'FOO'],
      ['COPY', 'a', 'b', 'db', '1', 'replace', 'replace'],
      ['EXISTS', 'b'],
    );
  });

  it('MOVE moves a key with its TTL and refuses existing targets and bad indexes', async () => {
    await pair.same(
      ['MOVE', 'nokey', '1'],
      ['SET', 'a', 'v'],
      ['MOVE', 'a', '0'],
      ['MOVE', 'a', '16'],
      ['MOVE', 'a', '-1'],
      ['MOVE', 'a', 'x'],
      ['MOVE', 'a', '99999999999'],
      ['MOVE', 'a', '2147483648'],
      ['EXPIRE', 'a', '100'],
      ['MOVE', 'a', '3'],
      ['EXISTS', 'a'],
      ['SELECT', '3'],
      ['GET', 'a'],
      ['TTL', 'a'],
      ['SELECT', '0'],
      ['SET', 'a', 'second'],
      ['MOVE', 'a', '3'],
      ['GET', 'a'],
      ['MOVE'],
      ['MOVE', 'a'],
      ['SET', ALL_BYTES, 'z'],
      ['MOVE', ALL_BYTES, '15'],
      ['SELECT', '15'],
      ['GET', ALL_BYTES],
    );
  });

  it('SWAPDB exchanges databases under connected clients and validates indexes', async () => {
    const o2 = await RawClient.connect(pair.oracle.port);
    const r2 = await RawClient.connect(pair.respite.port);
    try {
      await pair.same(
        ['SET', 'in0', 'zero'],
        ['EXPIRE', 'in0', '100'],
        ['SELECT', '1'],
        ['SET', 'in1', 'one'],
        ['SELECT', '0'],
        ['SWAPDB', '0', '1'],
        ['GET', 'in0'],
        ['GET', 'in1'],
        ['SELECT', '1'],
        ['GET', 'in0'],
        ['TTL', 'in0'],
        ['SELECT', '0'],
        ['SWAPDB', '0', '0'],
        ['GET', 'in1'],
        ['SWAPDB', '0', 'x'],
        ['SWAPDB', 'x', '0'],
        ['SWAPDB', 'x', 'y'],
        ['SWAPDB', '0', '16'],
        ['SWAPDB', '-1', '0'],
        ['SWAPDB', '0', '99999999999'],
        ['SWAPDB', '99999999999', '0'],
        ['SWAPDB', '0'],
        ['DBSIZE'],
      );
      // A second client that selected db 1 now sees db 0's old contents.
      for (const [c, name] of [
        [o2, 'oracle'],
        [r2, 'respite'],
      ] as const) {
        assert.equal(await c.call('SELECT', '1'), '+OK\r\n', name);
      }
      await pair.same(['SWAPDB', '1', '0']);
      assert.equal(await r2.call('GET', 'in1'), await o2.call('GET', 'in1'));
      assert.equal(await r2.call('DBSIZE'), await o2.call('DBSIZE'));
    } finally {
      o2.close();
      r2.close();
    }
  });

  it('KEYS returns the same keys for tricky glob patterns', async () => {
    const keys = [
      '',
      'a',
      'ab',
      'abc',
      'hello',
      'hallo',
      'hxllo',
      'h[llo',
      'h]llo',
      'h*llo',
      'h?llo',
      'h\\llo',
      'foo:bar:baz',
      'foo:1',
      'foo:12',
      'foo:123',
      'FOO:1',
      '-',
      '^',
      ']',
      '[',
      '\\',
      '*',
      '?',
      'a\x00b',
      '\xff',
      '\x80',
      '\xe9t\xe9',
      ALL_BYTES,
    ];
    for (const k of keys) await pair.same(['SET', k, 'v']);
    const patterns = [
      '*',
      '**',
      '',
      '?',
      '??',
      'h?llo',
      'h*llo',
      'h[ae]llo',
      'h[^e]llo',
      'h[a-b]llo',
      'h[b-a]llo',
      'h\\*llo',
      'h\\?llo',
      'h\\[llo',
      'h[\\]]llo',
      'h[\\\\]llo',
      'h[[]llo',
      'foo:*',
      'foo:?',
      'foo:[0-9]*',
      'foo:[^1]*',
      'FOO*',
      '*:*:*',
      '[',
      '[a',
      '[^',
      '[]',
      '\\',
      '\\\\',
      '[\\',
      '[a-]',
      '[-a]',
      '[\x80-\xff]',
      '[a-\xff]',
      '\x00*',
      'a\x00*',
      '*\x00*',
      '*b',
      '*[',
      '[\x00-\xff]',
      ALL_BYTES.replace(/[*?[\\\]]/g, '\\$&'),
      ALL_BYTES,
      '*' + ALL_BYTES.slice(200),
    ];
    for (const p of patterns) {
      const o = await sortedKeys(pair.o, p);
      const r = await sortedKeys(pair.r, p);
      assert.deepEqual(r, o, `KEYS ${JSON.stringify(p)}`);
    }
    await pair.same(['KEYS'], ['KEYS', 'a', 'b'], ['KEYS', 'nomatch*']);
  });

  it('KEYS agrees with redis-server on random glob patterns over random keys', async () => {
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const alphabet = 'ab-^]\\*?[\x00\xff';
    const keys = new Set<string>();
    for (let i = 0; i < 200; i++) {
      let k = '';
      const len = rnd(6);
      for (let j = 0; j < len; j++) k += 'ab-^]\\*?[c\x00\xff'[rnd(12)];
      keys.add(k);
    }
    for (const k of keys) await pair.same(['SET', k, '1']);
    for (let i = 0; i < 300; i++) {
      let p = '';
      const len = 1 + rnd(7);
      for (let j = 0; j < len; j++) p += alphabet[rnd(alphabet.length)];
      const o = await sortedKeys(pair.o, p);
      const r = await sortedKeys(pair.r, p);
      assert.deepEqual(r, o, `KEYS ${JSON.stringify(p)}`);
    }
  });

  it('KEYS hides expired keys without deleting them; DBSIZE still counts them', async () => {
    await noActiveExpire();
    try {
      await pair.same(['SET', 'a', '1'], ['SET', 'b', '2'], ['PEXPIRE', 'b', '1']);
      await sleep(10);
      await pair.same(['KEYS', '*'], ['DBSIZE'], ['KEYS', 'b'], ['DBSIZE'], ['EXISTS', 'b'], ['DBSIZE']);
    } finally {
      await noActiveExpire(true);
    }
  });

  it('SCAN visits the same keys with MATCH, COUNT and TYPE', async () => {
    for (let i = 0; i < 300; i++) await pair.same(['SET', `key:${i}`, String(i)]);
    await pair.same(['SET', '', 'e'], ['SET', ALL_BYTES, 'x'], ['SET', 'other', 'o']);
    const variants: Cmd[] = [
      [],
      ['COUNT', '1'],
      ['COUNT', '7'],
      ['COUNT', '1000'],
      ['MATCH', 'key:1*'],
      ['MATCH', 'key:1*', 'COUNT', '3'],
      ['MATCH', '*'],
      ['MATCH', 'nomatch'],
      ['MATCH', '\x00*'],
      ['TYPE', 'string'],
      ['TYPE', 'STRING'],
      ['TYPE', 'list'],
      ['TYPE', 'none'],
      ['TYPE', 'nosuchtype'],
      ['MATCH', 'key:2?', 'TYPE', 'string', 'COUNT', '5'],
      ['count', '2', 'match', 'x*', 'match', 'key:5*'],
      ['COUNT', '9223372036854775807'],
    ];
    for (const v of variants) {
      const o = await scanAll(pair.o, ...v);
      const r = await scanAll(pair.r, ...v);
      assert.deepEqual(r, o, `SCAN ... ${v.join(' ')}`);
    }
    // The keys come back in batches of about COUNT; a full scan is one call with a big COUNT.
    const one = (await call(pair.r, 'SCAN', '0', 'COUNT', '1000')) as [string, string[]];
    assert.equal(one[0], '0');
    assert.equal(one[1].length, 303);
    const small = (await call(pair.r, 'SCAN', '0', 'COUNT', '5')) as [string, string[]];
    assert.notEqual(small[0], '0');
    assert.equal(small[1].length, 5);
  });

  it('SCAN rejects bad cursors and options like redis-server', async () => {
    await pair.same(['SET', 'a', '1']);
    const okCursors = [
      '',
      '0',
      '+0',
      '-0',
      '00',
      '18446744073709551615',
      '-18446744073709551615',
      '-1',
      '+5',
    ];
    for (const cur of okCursors) {
      const [o, r] = await pair.both('SCAN', cur, 'COUNT', '100');
      assert.equal(o[0], '*', `oracle SCAN ${JSON.stringify(cur)}`);
      assert.equal(r[0], '*', `respite SCAN ${JSON.stringify(cur)}: ${r}`);
    }
    await pair.same(
      ['SCAN', ' 1'],
      ['SCAN', '\t1'],
      ['SCAN', '1 '],
      ['SCAN', '1x'],
      ['SCAN', '0x10'],
      ['SCAN', '-'],
      ['SCAN', '+'],
      ['SCAN', '18446744073709551616'],
      ['SCAN', '-18446744073709551616'],
      ['SCAN', '99999999999999999999999'],
      ['SCAN', '1.5'],
      ['SCAN', '0', 'COUNT', '0'],
      ['SCAN', '0', 'COUNT', '-1'],
      ['SCAN', '0', 'COUNT', 'x'],
      ['SCAN', '0', 'COUNT', '9223372036854775808'],
      ['SCAN', '0', 'COUNT'],
      ['SCAN', '0', 'MATCH'],
      ['SCAN', '0', 'TYPE'],
      ['SCAN', '0', 'FOO', 'bar'],
      ['SCAN', '0', 'COUNT', '10', 'extra'],
      ['SCAN'],
      ['SCAN', 'x'],
      ['SCAN', '0', 'COUNT', '1', 'COUNT', '0'],
    );
  });

  it('SCAN skips and deletes expired keys; SCAN TYPE counts lookups and returns them as none', async () => {
    await noActiveExpire();
    try {
      await pair.same(['SET', 'a', '1'], ['SET', 'b', '2'], ['PEXPIRE', 'b', '1']);
      await sleep(10);
      assert.deepEqual(await scanAll(pair.r), await scanAll(pair.o));
      await pair.same(['DBSIZE'], ['SET', 'c', '3'], ['PEXPIRE', 'c', '1']);
      await sleep(10);
      assert.deepEqual(await scanAll(pair.r, 'TYPE', 'none'), await scanAll(pair.o, 'TYPE', 'none'));
      await pair.same(['DBSIZE']);
    } finally {
      await noActiveExpire(true);
    }
  });

  it('RANDOMKEY returns null when empty, the only key, and never an expired key', async () => {
    await pair.same(['RANDOMKEY'], ['SET', ALL_BYTES, 'v'], ['RANDOMKEY'], ['RANDOMKEY', 'x']);
    await noActiveExpire();
    try {
      await pair.same(['FLUSHALL'], ['SET', 'a', '1'], ['SET', 'b', '2'], ['PEXPIRE', 'b', '1']);
      await sleep(10);
      for (let i = 0; i < 10; i++) await pair.same(['RANDOMKEY']);
      await pair.same(['PEXPIRE', 'a', '1']);
      await sleep(10);
      await pair.same(['RANDOMKEY'], ['DBSIZE']);
    } finally {
      await noActiveExpire(true);
    }
  });

  it('DBSIZE, FLUSHDB and FLUSHALL with ASYNC/SYNC and bad arguments', async () => {
    await pair.same(
      ['DBSIZE'],
      ['SET', 'a', '1'],
      ['SET', 'b', '2'],
      ['DBSIZE'],
      ['DBSIZE', 'x'],
      ['SELECT', '1'],
      ['SET', 'c', '3'],
      ['FLUSHDB', 'ASYNC'],
      ['DBSIZE'],
      ['SET', 'c', '3'],
      ['FLUSHDB', 'sync'],
      ['SET', 'c', '3'],
      ['FLUSHDB'],
      ['DBSIZE'],
      ['SELECT', '0'],
      ['DBSIZE'],
      ['FLUSHDB', 'foo'],
      ['FLUSHDB', 'async', 'sync'],
      ['FLUSHALL', 'foo'],
      ['FLUSHALL', 'sync', 'sync'],
      ['SELECT', '2'],
      ['SET', 'x', 'y'],
      ['FLUSHALL', 'async'],
      ['DBSIZE'],
      ['SELECT', '0'],
      ['DBSIZE'],
      ['SET', 'a', 'after'],
      ['GET', 'a'],
      ['FLUSHALL', 'SYNC'],
      ['GET', 'a'],
      ['SET', 'a', 'again'],
      ['GET', 'a'],
    );
  });

  it('EXPIRE family: NX, XX, GT, LT semantics', async () => {
    for (const cmd of ['EXPIRE', 'PEXPIRE']) {
      const unit = cmd === 'EXPIRE' ? 1 : 1000;
      const t = (n: number) => String(n * unit);
      await pair.same(
        ['DEL', 'k'],
        [cmd, 'k', t(100)],
        ['SET', 'k', 'v'],
        [cmd, 'k', t(100), 'XX'],
        [cmd, 'k', t(100), 'GT'],
        [cmd, 'k', t(100), 'LT'],
        ['TTL', 'k'],
        ['PERSIST', 'k'],
        [cmd, 'k', t(100), 'NX'],
        [cmd, 'k', t(200), 'NX'],
        ['TTL', 'k'],
        [cmd, 'k', t(50), 'GT'],
        [cmd, 'k', t(300), 'GT'],
        ['TTL', 'k'],
        [cmd, 'k', t(400), 'LT'],
        [cmd, 'k', t(30), 'LT'],
        ['TTL', 'k'],
        [cmd, 'k', t(60), 'XX'],
        ['TTL', 'k'],
        [cmd, 'k', t(70), 'xx', 'gt'],
        [cmd, 'k', t(10), 'xx', 'lt', 'xx'],
        ['TTL', 'k'],
        [cmd, 'k', t(10), 'nx', 'nx'],
      );
    }
  });

  it('EXPIRE family: option errors and their precedence', async () => {
    await pair.same(
      ['SET', 'k', 'v'],
      ['EXPIRE', 'k', '10', 'NX', 'XX'],
      ['EXPIRE', 'k', '10', 'NX', 'GT'],
      ['EXPIRE', 'k', '10', 'NX', 'LT'],
      ['EXPIRE', 'k', '10', 'XX', 'NX'],
      ['EXPIRE', 'k', '10', 'GT', 'LT'],
      ['EXPIRE', 'k', '10', 'XX', 'GT', 'LT'],
      ['EXPIRE', 'k', '10', 'FOO'],
      ['EXPIRE', 'k', '10', 'NX', 'FOO'],
      ['EXPIRE', 'k', '10', 'FOO', 'NX', 'XX'],
      ['EXPIRE', 'k', 'abc', 'NX', 'XX'],
      ['EXPIRE', 'k', 'abc', 'FOO'],
      ['EXPIRE', 'k', 'abc'],
      ['EXPIRE', 'k', '1.5'],
      ['EXPIRE', 'k', ''],
      ['EXPIRE', 'k', ' 1'],
      ['EXPIRE', 'k', '10', 'nx\x00junk'],
      ['EXPIRE', 'k', '10', 'bad\x00junk'],
      ['EXPIRE', 'k', '10', 'bad\r\nline'],
      ['EXPIRE', 'k'],
      ['PEXPIRE', 'k', '10', 'GT', 'LT'],
      ['EXPIREAT', 'k', '10', 'NX', 'XX'],
      ['PEXPIREAT', 'k', 'x'],
      ['TTL', 'k'],
      ['EXPIRE', 'nokey', '10', 'NX', 'XX'],
      ['EXPIRE', 'nokey', 'x'],
    );
  });

  it('EXPIRE family: TTL edge values, overflow and times in the past', async () => {
    const cases: Cmd[] = [
      ['EXPIRE', 'k', '0'],
      ['EXPIRE', 'k', '-1'],
      ['PEXPIRE', 'k', '0'],
      ['PEXPIRE', 'k', '-100'],
      ['EXPIREAT', 'k', '0'],
      ['EXPIREAT', 'k', '1'],
      ['EXPIREAT', 'k', '-1'],
      ['PEXPIREAT', 'k', '1'],
      ['PEXPIREAT', 'k', '-9223372036854775808'],
      ['PEXPIRE', 'k', '-9223372036854775808'],
      ['EXPIRE', 'k', '-9223372036854775'],
      ['EXPIRE', 'k', '-9223372036854776'],
      ['EXPIRE', 'k', '-9223372036854775808'],
      ['EXPIRE', 'k', '9223372036854775'],
      ['EXPIRE', 'k', '9223372036854776'],
      ['EXPIRE', 'k', '9223372036854775807'],
      ['EXPIRE', 'k', '9223372036854775808'],
      ['PEXPIRE', 'k', '9223372036854775807'],
      ['PEXPIRE', 'k', '9223372036854770000'],
      ['PEXPIRE', 'k', '9223370000000000000'],
      ['EXPIREAT', 'k', '9223372036854775'],
      ['EXPIREAT', 'k', '9223372036854776'],
      ['PEXPIREAT', 'k', '9223372036854775807'],
      ['PEXPIREAT', 'k', '9223372036854775806'],
      ['PEXPIREAT', 'k', '9007199254740993'],
      ['EXPIREAT', 'k', '4102444800'],
      ['PEXPIREAT', 'k', '4102444800123'],
    ];
    for (const cmd of cases) {
      await pair.same(['SET', 'k', 'v'], cmd, ['EXISTS', 'k']);
      // Absolute times from a relative TTL depend on when each server ran it: equal within 1 s.
      for (const [t, slack] of [
        ['PEXPIRETIME', 1000],
        ['EXPIRETIME', 1],
      ] as const) {
        const [o, r] = await pair.both(t, 'k');
        if (o === r) continue;
        assert.equal(o[0] + r[0], '::', `${cmd.join(' ')} ${t}: ${o} vs ${r}`);
        const d = BigInt(o.slice(1, -2)) - BigInt(r.slice(1, -2));
        assert.ok(d <= BigInt(slack) && d >= -BigInt(slack), `${cmd.join(' ')} ${t}: ${o} vs ${r}`);
      }
      // Relative TTLs differ by the time between the two servers' clocks: compare their type
      // and, for huge values, rounded.
      const [o, r] = await pair.both('TTL', 'k');
      const on = Number(o.slice(1));
      const rn = Number(r.slice(1));
      assert.ok(
        Math.abs(on - rn) <= Math.max(2, Math.abs(on) * 1e-12),
        `TTL after ${cmd.join(' ')}: ${o} ${r}`,
      );
    }
    // GT/LT compare exactly near 2^63.
    await pair.same(
      ['SET', 'k', 'v'],
      ['PEXPIREAT', 'k', '9223372036854775807'],
      ['PEXPIREAT', 'k', '9223372036854775806', 'GT'],
      ['PEXPIREAT', 'k', '9223372036854775806', 'LT'],
      ['PEXPIRETIME', 'k'],
      ['PEXPIREAT', 'k', '9223372036854775807', 'GT'],
      ['PEXPIREAT', 'k', '9223372036854775807', 'LT'],
      ['PERSIST', 'k'],
      ['PEXPIRETIME', 'k'],
    );
  });

  it('TTL, PTTL, EXPIRETIME and PEXPIRETIME for missing, persistent and volatile keys', async () => {
    const at = 4102444800123; // 2100-01-01, in ms
    await pair.same(
      ['TTL', 'nokey'],
      ['PTTL', 'nokey'],
      ['EXPIRETIME', 'nokey'],
      ['PEXPIRETIME', 'nokey'],
      ['SET', 'k', 'v'],
      ['TTL', 'k'],
      ['PTTL', 'k'],
      ['EXPIRETIME', 'k'],
      ['PEXPIRETIME', 'k'],
      ['PEXPIREAT', 'k', String(at)],
      ['PEXPIRETIME', 'k'],
      ['EXPIRETIME', 'k'],
      ['PEXPIREAT', 'k', String(at - 623)],
      ['EXPIRETIME', 'k'],
      ['PEXPIREAT', 'k', String(at - 624)],
      ['EXPIRETIME', 'k'],
      ['EXPIRE', 'k', '100'],
      ['TTL', 'k'],
      ['TTL'],
      ['PTTL', 'a', 'b'],
      ['EXPIRETIME'],
      ['PEXPIRETIME', 'a', 'b'],
    );
    const [o, r] = await pair.both('PTTL', 'k');
    assert.ok(Math.abs(Number(o.slice(1)) - Number(r.slice(1))) < 1000, `${o} ${r}`);
  });

  it('PERSIST removes a TTL only when there is one', async () => {
    await pair.same(
      ['PERSIST', 'nokey'],
      ['SET', 'k', 'v'],
      ['PERSIST', 'k'],
      ['EXPIRE', 'k', '100'],
      ['PERSIST', 'k'],
      ['TTL', 'k'],
      ['PERSIST', 'k'],
      ['PERSIST'],
      ['EXPIRE', 'k', '100'],
      ['SET', 'k', 'v2'],
      ['TTL', 'k'],
      ['SET', ALL_BYTES, 'v'],
      ['PEXPIREAT', ALL_BYTES, '4102444800123'],
      ['PEXPIRETIME', ALL_BYTES],
      ['PERSIST', ALL_BYTES],
      ['TTL', ALL_BYTES],
      ['SET', '', 'v'],
      ['EXPIREAT', '', '4102444800'],
      ['EXPIRETIME', ''],
      ['PERSIST', ''],
    );
  });

  it('expired keys read as missing for every command and are counted when touched', async () => {
    await noActiveExpire();
    try {
      await pair.same(['SET', 'e', 'v'], ['PEXPIRE', 'e', '1']);
      await sleep(10);
      await pair.same(
        ['DBSIZE'],
        ['TTL', 'e'],
        ['PTTL', 'e'],
        ['EXPIRETIME', 'e'],
        ['PEXPIRETIME', 'e'],
        ['TYPE', 'e'],
        ['EXISTS', 'e'],
        ['OBJECT', 'ENCODING', 'e'],
        ['PERSIST', 'e'],
        ['EXPIRE', 'e', '100'],
        ['COPY', 'e', 'f'],
        ['MOVE', 'e', '1'],
        ['TOUCH', 'e'],
        ['DEL', 'e'],
        ['DBSIZE'],
      );
      for (const cmd of [
        ['DEL', 'e'],
        ['UNLINK', 'e'],
        ['EXISTS', 'e'],
        ['TTL', 'e'],
        ['GET', 'e'],
      ]) {
        await pair.same(['SET', 'e', 'v'], ['PEXPIRE', 'e', '1']);
        await sleep(5);
        await pair.same(cmd, ['DBSIZE']);
      }
    } finally {
      await noActiveExpire(true);
    }
  });

  it('OBJECT ENCODING, REFCOUNT, IDLETIME and HELP, and errors for FREQ without LFU', async () => {
    await pair.same(
      ['SET', 'int', '123'],
      ['SET', 'bigint', '123456789012'],
      ['SET', 'neg', '-5'],
      ['SET', 'notint', '0123'],
      ['SET', 'emb', 'x'.repeat(44)],
      ['SET', 'raw', 'x'.repeat(45)],
      ['SET', 'empty', ''],
      ['SET', 'maxint', '9223372036854775807'],
      ['SET', 'overint', '9223372036854775808'],
      ['OBJECT', 'ENCODING', 'int'],
      ['OBJECT', 'ENCODING', 'bigint'],
      ['OBJECT', 'ENCODING', 'neg'],
      ['OBJECT', 'ENCODING', 'notint'],
      ['OBJECT', 'ENCODING', 'emb'],
      ['OBJECT', 'ENCODING', 'raw'],
      ['OBJECT', 'ENCODING', 'empty'],
      ['OBJECT', 'ENCODING', 'maxint'],
      ['OBJECT', 'ENCODING', 'overint'],
      ['object', 'encoding', 'nokey'],
      ['OBJECT', 'REFCOUNT', 'int'],
      ['OBJECT', 'REFCOUNT', 'neg'],
      ['OBJECT', 'REFCOUNT', 'bigint'],
      ['OBJECT', 'REFCOUNT', 'emb'],
      ['OBJECT', 'REFCOUNT', 'nokey'],
      ['OBJECT', 'IDLETIME', 'emb'],
      ['OBJECT', 'IDLETIME', 'nokey'],
      ['OBJECT', 'FREQ', 'emb'],
      ['OBJECT', 'FREQ', 'nokey'],
      ['OBJECT', 'HELP'],
      ['object', 'help'],
      ['OBJECT', 'HELP', 'x'],
      ['OBJECT', 'ENCODING'],
      ['OBJECT', 'ENCODING', 'a', 'b'],
      ['OBJECT', 'FOO', 'k'],
      ['OBJECT', 'FOO'],
      ['OBJECT'],
    );
  });

  it('OBJECT FREQ counts accesses and IDLETIME errors under an LFU policy', async () => {
    // CONFIG SET is another group's command: set Respite's option directly.
    assert.equal(await pair.o.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu'), '+OK\r\n');
    pair.respite.server.config.set('maxmemory-policy', ['allkeys-lfu']);
    try {
      await pair.same(
        ['SET', 'k', 'v'],
        ['OBJECT', 'FREQ', 'k'],
        ['GET', 'k'],
        ['OBJECT', 'FREQ', 'k'],
        ['TYPE', 'k'],
        ['OBJECT', 'FREQ', 'k'],
        ['OBJECT', 'IDLETIME', 'k'],
        ['OBJECT', 'IDLETIME', 'nokey'],
        ['OBJECT', 'FREQ', 'nokey'],
        ['SET', 'n', '5'],
        ['OBJECT', 'REFCOUNT', 'n'],
      );
    } finally {
      await pair.o.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
      pair.respite.server.config.set('maxmemory-policy', ['noeviction']);
    }
  });

  it('the command table declares arity, flags, key positions and ACL categories as COMMAND INFO', async () => {
    const check = (spec: CommandSpec, info: unknown[], name: string) => {
      const [, arity, flags, first, last, step, acl] = info as [
        string,
        number,
        string[],
        number,
        number,
        number,
        string[],
      ];
      assert.equal(spec.arity, arity, `${name} arity`);
      assert.deepEqual([...spec.flags].sort(), [...flags].sort(), `${name} flags`);
      assert.deepEqual([spec.firstKey, spec.lastKey, spec.step], [first, last, step], `${name} keys`);
      const cats = new Set((spec.acl ?? []).map((a) => '@' + a));
      if (spec.flags.includes('write')) cats.add('@write');
      if (spec.flags.includes('readonly')) cats.add('@read');
      cats.add(spec.flags.includes('fast') ? '@fast' : '@slow');
      assert.deepEqual([...cats].sort(), [...acl].sort(), `${name} ACL categories`);
    };
    for (const spec of specs) {
      const info = (await call(pair.o, 'COMMAND', 'INFO', spec.name)) as unknown[][];
      check(spec, info[0], spec.name);
      const subs = (info[0][9] ?? []) as unknown[][];
      assert.equal(subs.length, spec.subcommands?.length ?? 0, `${spec.name} subcommands`);
      for (const sub of spec.subcommands ?? []) {
        const si = subs.find((x) => x[0] === `${spec.name}|${sub.name}`);
        assert.ok(si, `${spec.name}|${sub.name} exists`);
        check(sub, si, `${spec.name}|${sub.name}`);
      }
    }
  });

  it('keyspace commands check their arity', async () => {
    const cmds: Cmd[] = [
      ['DEL'],
      ['UNLINK'],
      ['EXISTS'],
      ['TYPE'],
      ['RENAME', 'a'],
      ['RENAMENX', 'a'],
      ['COPY', 'a'],
      ['MOVE', 'a'],
      ['SWAPDB', '0'],
      ['KEYS'],
      ['SCAN'],
      ['RANDOMKEY', 'a'],
      ['DBSIZE', 'a'],
      ['EXPIRE', 'a'],
      ['PEXPIRE', 'a'],
      ['EXPIREAT', 'a'],
      ['PEXPIREAT', 'a'],
      ['TTL'],
      ['PTTL'],
      ['EXPIRETIME'],
      ['PEXPIRETIME'],
      ['PERSIST'],
      ['TOUCH'],
      ['OBJECT'],
      ['OBJECT', 'REFCOUNT'],
      ['OBJECT', 'IDLETIME'],
      ['OBJECT', 'FREQ'],
    ];
    await pair.same(...cmds);
  });

  it('commands work on every database after SELECT', async () => {
    for (const db of ['0', '7', '15']) {
      await pair.same(
        ['SELECT', db],
        ['SET', 'k' + db, db],
        ['EXPIRE', 'k' + db, '100'],
        ['DBSIZE'],
        ['KEYS', '*'],
        ['EXISTS', 'k0', 'k7', 'k15'],
        ['RANDOMKEY'],
      );
    }
    await pair.same(['SELECT', '7'], ['FLUSHDB'], ['SELECT', '15'], ['DBSIZE'], ['SELECT', '7'], ['DBSIZE']);
  });

  it('keyspace hits and misses are counted where redis-server counts them', async () => {
    await pair.same(['SET', 'a', '1'], ['SET', 'b', '2']);
    await pair.o.call('CONFIG', 'RESETSTAT');
    const stats = pair.respite.server.stats;
    stats.keyspaceHits = 0;
    stats.keyspaceMisses = 0;
    const cmds: Cmd[] = [
      ['EXISTS', 'a', 'nokey', 'b'],
      ['TYPE', 'a'],
      ['TYPE', 'nokey'],
      ['TTL', 'a'],
      ['PTTL', 'nokey'],
      ['EXPIRETIME', 'b'],
      ['TOUCH', 'a', 'nokey'],
      ['OBJECT', 'ENCODING', 'a'],
      ['OBJECT', 'ENCODING', 'nokey'],
      ['COPY', 'a', 'c'],
      ['COPY', 'nokey', 'c'],
      ['RENAME', 'c', 'd'],
      ['MOVE', 'd', '1'],
      ['EXPIRE', 'a', '100'],
      ['PERSIST', 'a'],
      ['DEL', 'nokey', 'a'],
      ['KEYS', '*'],
      ['RANDOMKEY'],
      ['DBSIZE'],
      ['SCAN', '0'],
      ['SCAN', '0', 'TYPE', 'string'],
    ];
    await pair.same(...cmds);
    const info = await pair.o.call('INFO', 'stats');
    const hits = Number(/keyspace_hits:(\d+)/.exec(info)![1]);
    const misses = Number(/keyspace_misses:(\d+)/.exec(info)![1]);
    assert.equal(stats.keyspaceHits, hits, 'keyspace_hits');
    assert.equal(stats.keyspaceMisses, misses, 'keyspace_misses');
  });

  it('keyspace events are the ones redis-server emits, in order', async () => {
    assert.equal(await pair.o.call('CONFIG', 'SET', 'notify-keyspace-events', 'EAm'), '+OK\r\n');
    const sub = await RawClient.connect(pair.oracle.port);
    const server = pair.respite.server;
    const events: string[] = [];
    const saved = server.notifyKeyspaceEvent;
    server.notifyKeyspaceEvent = (type, event, key, dbid) => {
      if (type !== NOTIFY_NEW) events.push(`${dbid} ${event} ${key}`);
    };
    await noActiveExpire();
    try {
      await sub.call('PSUBSCRIBE', '__keyevent@*__:*');
      await pair.same(['SET', 'v', '1'], ['PEXPIRE', 'v', '1']);
      await sleep(10);
      await pair.same(
        ['SET', 'a', '1'],
        ['SET', 'b', '2'],
        ['DEL', 'a', 'nokey', 'b'],
        ['SET', 'a', '1'],
        ['UNLINK', 'a'],
        ['SET', 'a', '1'],
        ['RENAME', 'a', 'b'],
        ['RENAMENX', 'b', 'c'],
        ['RENAME', 'c', 'c'],
        ['COPY', 'c', 'd'],
        ['COPY', 'c', 'd', 'DB', '2', 'REPLACE'],
        ['MOVE', 'd', '3'],
        ['EXPIRE', 'c', '100'],
        ['EXPIRE', 'c', '100', 'NX'],
        ['PEXPIREAT', 'c', '9999999999999'],
        ['PERSIST', 'c'],
        ['PERSIST', 'c'],
        ['EXPIRE', 'c', '-1'],
        ['EXISTS', 'c', 'v'],
        ['TYPE', 'nokey'],
        ['TTL', 'nokey'],
        ['TOUCH', 'nokey'],
        ['OBJECT', 'ENCODING', 'nokey'],
        ['SET', 'x', '1'],
        ['FLUSHDB'],
        ['SWAPDB', '0', '3'],
        ['FLUSHALL'],
        ['SET', 'marker', '1'],
      );
      const got: string[] = [];
      for (;;) {
        const m = parse(await sub.read()) as string[];
        const ev = /^__keyevent@(\d+)__:(.*)$/.exec(m[2])!;
        got.push(`${ev[1]} ${ev[2]} ${m[3]}`);
        if (m[3] === 'marker') break;
      }
      assert.deepEqual(events, got);
    } finally {
      server.notifyKeyspaceEvent = saved;
      sub.close();
      await pair.o.call('CONFIG', 'SET', 'notify-keyspace-events', '');
      await noActiveExpire(true);
    }
  });

  it('relative expiries are propagated as PEXPIREAT and past ones as DEL', async () => {
    const server = pair.respite.server;
    const log: string[] = [];
    const saved = server.propagate;
    server.propagate = (dbid, argv) => {
      log.push(`${dbid} ${argv.join(' ')}`);
    };
    try {
      await pair.r.call('SET', 'k', 'v');
      const before = Date.now();
      await pair.r.call('EXPIRE', 'k', '100', 'GT');
      await pair.r.call('EXPIRE', 'k', '100');
      await pair.r.call('PEXPIRE', 'k', '5000', 'XX');
      await pair.r.call('EXPIREAT', 'k', '4102444800');
      await pair.r.call('PEXPIREAT', 'k', '4102444800123', 'gt');
      await pair.r.call('SELECT', '4');
      await pair.r.call('SET', 'j', 'v');
      await pair.r.call('PEXPIRE', 'j', '-1');
      const after = Date.now();
      assert.equal(log.length, 5, log.join('\n'));
      const abs = (i: number, base: number) => {
        const m = /^0 PEXPIREAT k (\d+)/.exec(log[i])!;
        const t = Number(m[1]) - base;
        // The server's clock follows Date.now() within a millisecond (Server.syncWallOffset).
        assert.ok(t >= before - 1 && t <= after + 1, `${log[i]} is not now + ${base}`);
      };
      abs(0, 100000);
      assert.match(log[1], /^0 PEXPIREAT k \d+ XX$/);
      abs(1, 5000);
      assert.equal(log[2], '0 PEXPIREAT k 4102444800000');
      assert.equal(log[3], '0 PEXPIREAT k 4102444800123 gt');
      assert.equal(log[4], '4 DEL j');
    } finally {
      server.propagate = saved;
    }
  });
});
