/**
 * The bitmap commands against the oracle (redis-server 7.0), byte for byte: SETBIT, GETBIT,
 * BITCOUNT, BITPOS, BITOP, BITFIELD and BITFIELD_RO with every option, error text and edge
 * value, seeded random ranges and BITFIELD operations, and a bitmap at offset 2^32-1 (a
 * 512 MB string on each server, which this machine holds easily).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPair, type Cmd, type Pair } from '../helpers/compat.js';
import { ENC_EMBSTR, ENC_INT, ENC_RAW } from '../../src/store/strings.js';
import { mulberry32 as rng } from '../helpers/prng.js';

let pair: Pair;

before(async () => {
  pair = await startPair();
});

after(async () => {
  await pair.close();
});

const same = (...cmds: Cmd[]): Promise<void> => pair.same(...cmds);

/** Like same(), with a generous reply timeout for commands over 512 MB values on a loaded machine. */
async function sameSlow(...cmds: Cmd[]): Promise<void> {
  for (const cmd of cmds) {
    pair.o.send(...cmd);
    pair.r.send(...cmd);
    const a = await pair.o.read(120000);
    const b = await pair.r.read(120000);
    assert.equal(b, a, `reply to ${cmd.join(' ')}`);
  }
}

function randomBytes(r: () => number, n: number, dense = 0.5): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) {
    const x = r();
    // Mix of 0x00, 0xff and random bytes, so runs of clear and set bits occur.
    b[i] = x < dense * 0.4 ? 0 : x < dense * 0.8 ? 0xff : Math.floor(r() * 256);
  }
  return b;
}

const ENC_NAMES: Record<number, string> = { [ENC_RAW]: 'raw', [ENC_EMBSTR]: 'embstr', [ENC_INT]: 'int' };

async function sameEncoding(key: string): Promise<void> {
  const expected = await pair.o.call('OBJECT', 'ENCODING', key);
  const db = pair.respite.server.dbs[0];
  const h = db.dict.get(key);
  const name = typeof h === 'number' ? ENC_NAMES[db.strings.encoding(h)] : undefined;
  assert.equal(
    name === undefined ? '$-1\r\n' : `$${name.length}\r\n${name}\r\n`,
    expected,
    `encoding of ${key}`,
  );
}

test('SETBIT and GETBIT set, clear and read bits, growing the string with zeros', async () => {
  await pair.reset();
  await same(
    ['SETBIT', 'b', '7', '1'],
    ['GET', 'b'],
    ['SETBIT', 'b', '7', '0'],
    ['SETBIT', 'b', '0', '1'],
    ['SETBIT', 'b', '100', '1'],
    ['GET', 'b'],
    ['STRLEN', 'b'],
    ['GETBIT', 'b', '0'],
    ['GETBIT', 'b', '1'],
    ['GETBIT', 'b', '100'],
    ['GETBIT', 'b', '101'],
    ['GETBIT', 'b', '99999'],
    ['GETBIT', 'missing', '5'],
    ['SETBIT', 'b', '0', '1'],
    ['SETBIT', 'b', '0', '0'],
  );
  await sameEncoding('b');
  // Integer-encoded and embstr values are read as their text, and become raw on SETBIT.
  await same(
    ['SET', 'i', '12345'],
    ['GETBIT', 'i', '2'],
    ['GETBIT', 'i', '3'],
    ['GETBIT', 'i', '39'],
    ['GETBIT', 'i', '40'],
  );
  await sameEncoding('i');
  await same(['SETBIT', 'i', '1', '1'], ['GET', 'i']);
  await sameEncoding('i');
  await same(['SET', 'e', 'hello'], ['SETBIT', 'e', '3', '1'], ['GET', 'e']);
  await sameEncoding('e');
  await same(['SETBIT', 'new', '3', '0'], ['GET', 'new']);
  await sameEncoding('new');
});

test('SETBIT and GETBIT reject bad offsets and bit values with Redis errors, before WRONGTYPE', async () => {
  await pair.reset();
  await same(['RPUSH', 'list', 'a'], ['SET', 's', 'x']);
  for (const off of [
    '-1',
    'abc',
    '',
    '1.5',
    ' 1',
    '4294967296',
    '9223372036854775807',
    '99999999999999999999',
    '#3',
  ]) {
    await same(
      ['SETBIT', 's', off, '1'],
      ['GETBIT', 's', off],
      ['SETBIT', 'list', off, '1'],
      ['GETBIT', 'list', off],
    );
  }
  for (const bit of ['2', '-1', 'x', '', '01', '1 ', '9223372036854775808']) {
    await same(['SETBIT', 's', '1', bit], ['SETBIT', 'list', '1', bit]);
  }
  await same(
    ['SETBIT', 'list', '1', '1'],
    ['GETBIT', 'list', '1'],
    ['SETBIT', 's'],
    ['GETBIT', 's', '1', '2'],
  );
  await same(['GET', 's']);
});

test('bit offsets are limited by proto-max-bulk-len', async () => {
  await pair.reset();
  await same(['CONFIG', 'SET', 'proto-max-bulk-len', '1mb']);
  try {
    await same(
      ['SETBIT', 'b', String(8 * 1024 * 1024 - 1), '1'],
      ['STRLEN', 'b'],
      ['SETBIT', 'b', String(8 * 1024 * 1024), '1'],
      ['GETBIT', 'b', String(8 * 1024 * 1024)],
      ['BITFIELD', 'b', 'GET', 'u8', String(8 * 1024 * 1024)],
      ['BITFIELD', 'b', 'GET', 'u8', String(8 * 1024 * 1024 - 1)],
      ['BITFIELD', 'b', 'SET', 'u8', '#131071', '255'],
      ['BITFIELD', 'b', 'SET', 'u8', '#131072', '255'],
      ['BITFIELD', 'b', 'SET', 'i64', '#131071', '-1'],
      ['BITFIELD', 'b', 'SET', 'i64', '#131072', '-1'],
      ['BITFIELD', 'b', 'GET', 'i64', '#2305843009213693952'],
      ['BITFIELD', 'b', 'GET', 'i8', '#-1'],
      ['BITCOUNT', 'b'],
      ['BITPOS', 'b', '1'],
      ['BITPOS', 'b', '1', '-1'],
    );
  } finally {
    await same(['CONFIG', 'SET', 'proto-max-bulk-len', '512mb']);
  }
});

/**
 * The highest offset: 2^32-1 (a 512 MB string on each server) with RESPITE_HUGE_BITMAP=1; by
 * default 2^28-1 (32 MB), which keeps the file fast on a loaded CI machine.
 */
const HIGH = process.env.RESPITE_HUGE_BITMAP === '1' ? 2 ** 32 - 1 : 2 ** 28 - 1;

test('SETBIT at a high offset (2^32-1 by hand, 2^28-1 in CI) makes a bitmap every bit command reads', async () => {
  await pair.reset();
  await sameSlow(
    ['SETBIT', 'huge', HIGH, '1'],
    ['STRLEN', 'huge'],
    ['GETBIT', 'huge', HIGH],
    ['GETBIT', 'huge', HIGH - 1],
    ['SETBIT', 'huge', HIGH - 1, '1'],
    ['SETBIT', 'huge', '12345', '1'],
    ['BITCOUNT', 'huge'],
    ['BITCOUNT', 'huge', '-1', '-1'],
    ['BITCOUNT', 'huge', '-2', '-1', 'BIT'],
    ['BITPOS', 'huge', '1'],
    ['BITPOS', 'huge', '1', '2000'],
    ['BITPOS', 'huge', '0', '-1'],
    ['BITFIELD', 'huge', 'GET', 'u2', HIGH - 1, 'INCRBY', 'u2', HIGH - 1, '1'],
    ['GETRANGE', 'huge', '-2', '-1'],
    ['SETBIT', 'huge', '4294967296', '1'],
    ['SETBIT', 'huge', HIGH + 1, '1'],
    ['STRLEN', 'huge'],
    ['BITCOUNT', 'huge'],
    ['DEL', 'huge'],
  );
});

test('BITCOUNT counts whole strings and BYTE/BIT ranges with negative indexes', async () => {
  await pair.reset();
  await same(
    ['SET', 's', 'foobar'],
    ['BITCOUNT', 's'],
    ['BITCOUNT', 's', '0', '0'],
    ['BITCOUNT', 's', '1', '1'],
    ['BITCOUNT', 's', '1', '1', 'byte'],
    ['BITCOUNT', 's', '5', '30', 'BIT'],
    ['BITCOUNT', 's', '0', '-1', 'bit'],
    ['BITCOUNT', 's', '-1', '-2'],
    ['BITCOUNT', 's', '-1', '-2', 'foo'],
    ['BITCOUNT', 's', '-100', '100'],
    ['BITCOUNT', 's', '100', '200'],
    ['BITCOUNT', 's', '3', '2'],
    ['BITCOUNT', 's', '-9223372036854775808', '9223372036854775807'],
    ['BITCOUNT', 's', '-9223372036854775808', '9223372036854775807', 'BIT'],
    ['BITCOUNT', 's', '1'],
    ['BITCOUNT', 's', '1', '2', 'bits'],
    ['BITCOUNT', 's', 'a', 'b'],
    ['BITCOUNT', 's', '1', 'b', 'foo'],
    ['BITCOUNT', 's', '1', '2', '3', '4'],
    ['BITCOUNT', 'missing'],
    ['BITCOUNT', 'missing', 'a', 'b', 'c', 'd'],
    ['RPUSH', 'l', 'x'],
    ['BITCOUNT', 'l'],
    ['BITCOUNT', 'l', 'a', 'b'],
    ['SET', 'i', '-987654321'],
    ['BITCOUNT', 'i'],
    ['BITCOUNT', 'i', '2', '-3', 'BIT'],
    ['SET', 'empty', ''],
    ['BITCOUNT', 'empty'],
    ['BITCOUNT', 'empty', '0', '-1', 'BIT'],
  );
  const r = rng(7);
  for (let n = 0; n < 6; n++) {
    const len = [1, 3, 8, 37, 200, 5000][n];
    await same(['SET', 'r', randomBytes(r, len)]);
    await same(['BITCOUNT', 'r']);
    for (let i = 0; i < 60; i++) {
      const unit = r() < 0.5 ? 'BIT' : 'BYTE';
      const span = unit === 'BIT' ? len * 8 : len;
      const a = Math.floor(r() * span * 2.2) - Math.floor(span * 1.1);
      const b = Math.floor(r() * span * 2.2) - Math.floor(span * 1.1);
      await same(r() < 0.2 ? ['BITCOUNT', 'r', a, b] : ['BITCOUNT', 'r', a, b, unit]);
    }
  }
});

test('BITPOS finds set and clear bits, with and without an end, in BYTE and BIT ranges', async () => {
  await pair.reset();
  await same(
    ['SET', 's', '\xff\xf0\x00'],
    ['BITPOS', 's', '0'],
    ['BITPOS', 's', '1'],
    ['BITPOS', 's', '0', '2'],
    ['BITPOS', 's', '0', '0', '-1'],
    ['BITPOS', 's', '1', '2', '-1'],
    ['SET', 'ones', '\xff\xff\xff'],
    ['BITPOS', 'ones', '0'],
    ['BITPOS', 'ones', '0', '1'],
    ['BITPOS', 'ones', '0', '0', '-1'],
    ['BITPOS', 'ones', '0', '0', '-1', 'BIT'],
    ['BITPOS', 'ones', '0', '3', '20', 'bit'],
    ['BITPOS', 'ones', '1', '7', '15', 'bit'],
    ['SET', 'zeros', '\x00\x00\x00'],
    ['BITPOS', 'zeros', '1'],
    ['BITPOS', 'zeros', '0'],
    ['BITPOS', 'zeros', '1', '1', '2', 'BYTE'],
    ['BITPOS', 'missing', '0'],
    ['BITPOS', 'missing', '1'],
    ['BITPOS', 'missing', '1', '0', '1', 'foo'],
    ['BITPOS', 'missing', '2'],
    ['BITPOS', 's', '2'],
    ['BITPOS', 's', '-1'],
    ['BITPOS', 's', 'x'],
    ['BITPOS', 's', '1', 'a', 'b', 'foo'],
    ['BITPOS', 's', '1', '0', 'a', 'foo'],
    ['BITPOS', 's', '1', '0', 'a'],
    ['BITPOS', 's', '1', '0', '1', 'bits'],
    ['BITPOS', 's', '1', '0', '1', '2', '3'],
    ['BITPOS', 's', '0', '-1', '-2'],
    ['BITPOS', 's', '0', '3', '2'],
    ['BITPOS', 's', '1', '-9223372036854775808', '9223372036854775807', 'BIT'],
    ['RPUSH', 'l', 'x'],
    ['BITPOS', 'l', '1'],
    ['BITPOS', 'l', '1', 'a'],
    ['BITPOS', 'l', '3'],
    ['SET', 'empty', ''],
    ['BITPOS', 'empty', '0'],
    ['BITPOS', 'empty', '1'],
    ['BITPOS', 'empty', '0', '0', '-1'],
    ['SET', 'i', '100'],
    ['BITPOS', 'i', '1', '1'],
  );
  const r = rng(11);
  for (let n = 0; n < 8; n++) {
    const len = [1, 2, 3, 9, 17, 64, 300, 3000][n];
    await same(['SET', 'r', randomBytes(r, len, 0.9)]);
    for (let i = 0; i < 60; i++) {
      const bit = r() < 0.5 ? '0' : '1';
      const unit = r() < 0.5 ? 'BIT' : 'BYTE';
      const span = unit === 'BIT' ? len * 8 : len;
      const a = Math.floor(r() * span * 2.2) - Math.floor(span * 1.1);
      const b = Math.floor(r() * span * 2.2) - Math.floor(span * 1.1);
      const form = Math.floor(r() * 4);
      const cmd: Cmd =
        form === 0
          ? ['BITPOS', 'r', bit]
          : form === 1
            ? ['BITPOS', 'r', bit, a]
            : form === 2
              ? ['BITPOS', 'r', bit, a, b]
              : ['BITPOS', 'r', bit, a, b, unit];
      await same(cmd);
    }
  }
});

test('BITOP AND, OR, XOR and NOT over several sources, missing keys as zeros, empty results deleting the destination', async () => {
  await pair.reset();
  await same(
    ['SET', 'a', 'foobar'],
    ['SET', 'b', 'abcdef\xff\xff\x01'],
    ['SET', 'c', '\x0f'],
    ['BITOP', 'AND', 'd', 'a', 'b'],
    ['GET', 'd'],
    ['BITOP', 'and', 'd', 'a', 'b', 'c'],
    ['GET', 'd'],
    ['BITOP', 'OR', 'd', 'a', 'b', 'c'],
    ['GET', 'd'],
    ['BITOP', 'Xor', 'd', 'a', 'b', 'c', 'missing'],
    ['GET', 'd'],
    ['BITOP', 'AND', 'd', 'a', 'missing'],
    ['GET', 'd'],
    ['BITOP', 'NOT', 'd', 'b'],
    ['GET', 'd'],
    ['BITOP', 'NOT', 'd', 'missing'],
    ['EXISTS', 'd'],
    ['SET', 'd', 'x'],
    ['EXPIRE', 'd', '100'],
    ['BITOP', 'OR', 'd', 'a'],
    ['TTL', 'd'],
    ['BITOP', 'OR', 'd', 'missing', 'missing2'],
    ['EXISTS', 'd'],
    ['BITOP', 'OR', 'd', 'missing'],
    ['BITOP', 'OR', 'a', 'a', 'c'],
    ['GET', 'a'],
    ['SET', 'empty', ''],
    ['BITOP', 'OR', 'd', 'empty'],
    ['EXISTS', 'd'],
    ['BITOP', 'NOT', 'd', 'a', 'b'],
    ['BITOP', 'NOT', 'd'],
    ['BITOP', 'NAND', 'd', 'a'],
    ['BITOP', 'AND', 'd'],
    ['RPUSH', 'l', 'x'],
    ['BITOP', 'AND', 'd', 'a', 'l'],
    ['BITOP', 'AND', 'l', 'a'],
    ['TYPE', 'l'],
    ['SET', 'n', '12'],
    ['BITOP', 'XOR', 'd', 'n', 'a'],
    ['GET', 'd'],
  );
  await sameEncoding('d');
  const r = rng(5);
  for (let i = 0; i < 40; i++) {
    const n = 1 + Math.floor(r() * 4);
    const srcs: string[] = [];
    for (let j = 0; j < n; j++) {
      const k = `src${j}`;
      if (r() < 0.15) await same(['DEL', k]);
      else await same(['SET', k, randomBytes(r, Math.floor(r() * 70))]);
      srcs.push(k);
    }
    const op = ['AND', 'OR', 'XOR', 'NOT'][Math.floor(r() * 4)];
    await same(op === 'NOT' ? ['BITOP', op, 'dst', srcs[0]] : ['BITOP', op, 'dst', ...srcs], ['GET', 'dst']);
  }
});

test('BITFIELD GET, SET and INCRBY with WRAP, SAT and FAIL over signed and unsigned widths', async () => {
  await pair.reset();
  await same(
    [
      'BITFIELD',
      'f',
      'SET',
      'i8',
      '0',
      '100',
      'GET',
      'i8',
      '0',
      'INCRBY',
      'i8',
      '0',
      '100',
      'GET',
      'u8',
      '0',
    ],
    ['BITFIELD', 'f', 'OVERFLOW', 'SAT', 'INCRBY', 'i8', '0', '100', 'INCRBY', 'i8', '0', '-1000'],
    ['BITFIELD', 'f', 'OVERFLOW', 'FAIL', 'INCRBY', 'i8', '0', '-1', 'INCRBY', 'i8', '0', '-200'],
    [
      'BITFIELD',
      'f',
      'overflow',
      'wrap',
      'incrby',
      'u2',
      '100',
      '1',
      'incrby',
      'u2',
      '100',
      '1',
      'incrby',
      'u2',
      '100',
      '1',
      'incrby',
      'u2',
      '100',
      '1',
    ],
    ['BITFIELD', 'f', 'SET', 'u8', '#1', '255', 'GET', 'u8', '#1', 'GET', 'u4', '#2', 'GET', 'i4', '#2'],
    [
      'BITFIELD',
      'f',
      'SET',
      'i64',
      '0',
      '-9223372036854775808',
      'GET',
      'i64',
      '0',
      'INCRBY',
      'i64',
      '0',
      '-1',
    ],
    [
      'BITFIELD',
      'f',
      'OVERFLOW',
      'SAT',
      'SET',
      'i64',
      '0',
      '9223372036854775807',
      'INCRBY',
      'i64',
      '0',
      '1',
      'INCRBY',
      'i64',
      '0',
      '-9223372036854775808',
    ],
    ['BITFIELD', 'f', 'OVERFLOW', 'FAIL', 'INCRBY', 'i64', '0', '1'],
    ['BITFIELD', 'f', 'SET', 'u63', '3', '9223372036854775807', 'GET', 'u63', '3', 'INCRBY', 'u63', '3', '1'],
    [
      'BITFIELD',
      'f',
      'OVERFLOW',
      'SAT',
      'SET',
      'u8',
      '0',
      '-1',
      'SET',
      'u8',
      '0',
      '256',
      'SET',
      'i8',
      '0',
      '-129',
    ],
    [
      'BITFIELD',
      'f',
      'OVERFLOW',
      'FAIL',
      'SET',
      'u8',
      '0',
      '-1',
      'SET',
      'u8',
      '0',
      '256',
      'SET',
      'i8',
      '0',
      '128',
      'SET',
      'i8',
      '0',
      '-128',
    ],
    [
      'BITFIELD',
      'f',
      'OVERFLOW',
      'WRAP',
      'SET',
      'u8',
      '0',
      '-1',
      'SET',
      'u8',
      '0',
      '257',
      'SET',
      'i1',
      '0',
      '1',
      'GET',
      'i1',
      '0',
      'GET',
      'u1',
      '0',
    ],
    ['BITFIELD', 'f', 'GET', 'i64', '1000', 'GET', 'u63', '5000'],
    ['BITFIELD', 'f'],
    ['BITFIELD', 'f', 'OVERFLOW', 'SAT'],
    ['BITFIELD', 'missing', 'GET', 'u8', '0'],
    ['EXISTS', 'missing'],
    ['BITFIELD', 'missing', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '0', '9'],
    ['GET', 'missing'],
    ['GET', 'f'],
    ['BITFIELD_RO', 'f', 'GET', 'u8', '0', 'GET', 'i16', '#3'],
    ['BITFIELD_RO', 'f'],
    ['BITFIELD_RO', 'nokey', 'GET', 'u8', '0'],
    ['BITFIELD_RO', 'f', 'SET', 'u8', '0', '1'],
    ['BITFIELD_RO', 'f', 'INCRBY', 'u8', '0', '1'],
    ['BITFIELD_RO', 'f', 'OVERFLOW', 'SAT', 'GET', 'u8', '0'],
    ['SET', 'n', '255'],
    ['BITFIELD', 'n', 'GET', 'u8', '0', 'GET', 'u24', '0'],
    ['BITFIELD', 'n', 'INCRBY', 'u8', '0', '1'],
    ['GET', 'n'],
  );
  await sameEncoding('n');
});

test('BITFIELD errors: types, offsets, values, overflow modes and missing arguments', async () => {
  await pair.reset();
  await same(['SET', 'f', 'abc'], ['RPUSH', 'l', 'x']);
  const bad: string[][] = [
    ['GET', 'u64', '0'],
    ['GET', 'i65', '0'],
    ['GET', 'i0', '0'],
    ['GET', 'u0', '0'],
    ['GET', 'x8', '0'],
    ['GET', 'I8', '0'],
    ['GET', 'i', '0'],
    ['GET', 'i08', '0'],
    ['GET', 'u-1', '0'],
    ['GET', '', '0'],
    ['GET', 'u8', '-1'],
    ['GET', 'u8', 'x'],
    ['GET', 'u8', '#'],
    ['GET', 'u8', '##1'],
    ['GET', 'u8', '#-1'],
    ['SET', 'u8', '0', 'x'],
    ['SET', 'u8', '0', '9223372036854775808'],
    ['INCRBY', 'u8', '0', '1.5'],
    ['SET', 'u8', '0'],
    ['INCRBY', 'u8', '0'],
    ['GET', 'u8'],
    ['GET'],
    ['OVERFLOW'],
    ['OVERFLOW', 'foo'],
    ['OVERFLOW', 'SAT', 'foo'],
    ['FOO', 'u8', '0'],
    ['GET', 'u8', '0', 'SET', 'u8', '0'],
    ['SET', 'u8', '0', '1', 'GET', 'u64', '0'],
  ];
  for (const args of bad) {
    await same(['BITFIELD', 'f', ...args], ['BITFIELD_RO', 'f', ...args], ['BITFIELD', 'l', ...args]);
  }
  await same(
    ['BITFIELD', 'l', 'GET', 'u8', '0'],
    ['BITFIELD', 'l', 'SET', 'u8', '0', '1'],
    ['BITFIELD_RO', 'l', 'GET', 'u8', '0'],
  );
  await same(['BITFIELD', 'l'], ['BITFIELD_RO', 'l'], ['BITFIELD'], ['BITFIELD_RO'], ['GET', 'f']);
});

test('BITFIELD: seeded random operations agree with the oracle on replies and bytes', async () => {
  await pair.reset();
  const r = rng(2024);
  const pick = <T>(a: T[]): T => a[Math.floor(r() * a.length)];
  const values = (): string => {
    const k = r();
    if (k < 0.1) return pick(['9223372036854775807', '-9223372036854775808', '0', '-1', '1']);
    if (k < 0.5) return String(Math.floor(r() * 600) - 300);
    const big =
      BigInt(Math.floor(r() * 2 ** 31)) * BigInt(Math.floor(r() * 2 ** 31)) * BigInt(Math.floor(r() * 4) + 1);
    return String(r() < 0.5 ? big : -big);
  };
  for (let i = 0; i < 400; i++) {
    const key = pick(['bf1', 'bf2']);
    const args: string[] = [];
    const nops = 1 + Math.floor(r() * 5);
    for (let j = 0; j < nops; j++) {
      if (r() < 0.2) args.push('OVERFLOW', pick(['WRAP', 'SAT', 'FAIL']));
      const signed = r() < 0.5;
      const bits = signed ? 1 + Math.floor(r() * 64) : 1 + Math.floor(r() * 63);
      const type = `${signed ? 'i' : 'u'}${bits}`;
      const offset = r() < 0.3 ? `#${Math.floor(r() * 12)}` : String(Math.floor(r() * 200));
      const op = pick(['GET', 'SET', 'INCRBY', 'INCRBY']);
      args.push(op, type, offset);
      if (op !== 'GET') args.push(values());
    }
    await same(['BITFIELD', key, ...args]);
    if (i % 20 === 0)
      await same(['GET', key], ['BITFIELD_RO', key, 'GET', 'i64', String(Math.floor(r() * 300))]);
  }
  await same(['GET', 'bf1'], ['GET', 'bf2']);
});

test('bitmap commands reply identically in RESP3', async () => {
  await pair.reset();
  await pair.o.call('HELLO', '3');
  for (const cl of pair.respite.server.clients.values()) cl.out.proto = 3;
  try {
    await same(
      ['SETBIT', 'b', '3', '1'],
      ['GETBIT', 'b', '3'],
      ['BITCOUNT', 'b'],
      ['BITPOS', 'b', '1'],
      ['BITOP', 'NOT', 'c', 'b'],
      ['BITFIELD', 'b', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '0', '7', 'GET', 'u8', '0'],
      ['BITFIELD_RO', 'b', 'GET', 'i8', '0'],
    );
  } finally {
    await pair.o.call('HELLO', '2');
    for (const cl of pair.respite.server.clients.values()) cl.out.proto = 2;
  }
});
