import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  RequestParser,
  ProtocolError,
  parseLongLong,
  splitArgs,
  PROTO_INLINE_MAX_SIZE,
  BIG_ARG_MIN,
  BIG_ARG_PLACEHOLDER,
} from '../../src/protocol/parser.js';
import { latin1, writeLatin1 } from '../../src/util/latin1.js';

const B = (s: string) => Buffer.from(s, 'latin1');

function parser(opts: Partial<{ maxBulkLen: number; authRequired: boolean }> = {}): RequestParser {
  return new RequestParser({
    maxBulkLen: opts.maxBulkLen ?? 512 * 1024 * 1024,
    authRequired: !!opts.authRequired,
  });
}

/** argv with the big arguments' text in place of their placeholders (as the dispatcher does). */
function withText(p: RequestParser, argv: string[]): string[] {
  const big = p.bigArgs;
  if (big === null) return argv;
  p.bigArgs = null;
  return argv.map((a, i) => (big[i] === undefined ? a : big[i].latin1Slice()));
}

/** Every command the parser yields after each chunk, then the error text if it failed. */
function parseChunks(p: RequestParser, chunks: Buffer[]): (string[] | string)[] {
  const out: (string[] | string)[] = [];
  for (const c of chunks) {
    p.feed(c);
    for (;;) {
      let argv: string[] | null;
      try {
        argv = p.next();
      } catch (e) {
        assert.ok(e instanceof ProtocolError);
        out.push((e as Error).message);
        return out;
      }
      if (argv === null) break;
      out.push(withText(p, argv));
    }
  }
  return out;
}

function parseAll(input: string | Buffer, opts = {}): (string[] | string)[] {
  return parseChunks(parser(opts), [typeof input === 'string' ? B(input) : input]);
}

function enc(...args: string[]): string {
  return `*${args.length}\r\n` + args.map((a) => `$${a.length}\r\n${a}\r\n`).join('');
}

test('parses multibulk and inline commands with CRLF or bare LF', () => {
  assert.deepEqual(parseAll(enc('SET', 'k', 'v') + 'GET k\r\nPING\nECHO x\r\n'), [
    ['SET', 'k', 'v'],
    ['GET', 'k'],
    ['PING'],
    ['ECHO', 'x'],
  ]);
});

test('empty lines, blank lines, *0 and *-1 are skipped without a command', () => {
  assert.deepEqual(parseAll('\r\n\n   \r\n\t\n*0\r\n*-1\r\n*-10\r\nPING\r\n'), [['PING']]);
});

test('a lone CR waits for its LF; CR LF alone is an empty line', () => {
  assert.deepEqual(parseAll('\r'), []);
  assert.deepEqual(parseAll('\r\nPING\r\n'), [['PING']]);
  const p = parser();
  assert.deepEqual(parseChunks(p, [B('\r'), B('\n'), B('PING\r'), B('\n')]), [['PING']]);
});

test('the empty string is a valid command name and argument', () => {
  assert.deepEqual(parseAll('*1\r\n$0\r\n\r\n*2\r\n$4\r\nECHO\r\n$0\r\n\r\n'), [[''], ['ECHO', '']]);
});

test('bulk strings are binary safe for every byte value', () => {
  let all = '';
  for (let i = 0; i < 256; i++) all += String.fromCharCode(i);
  const weird = '\r\n*1\r\n$3\r\n\0\0\0';
  assert.deepEqual(parseAll(enc('SET', all, weird + all)), [['SET', all, weird + all]]);
});

test('thousands of pipelined commands in one chunk come out in order', () => {
  let s = '';
  for (let i = 0; i < 5000; i++) s += i % 3 === 0 ? `ECHO v${i}\r\n` : enc('SET', `k${i}`, `v${i}`);
  const out = parseAll(s);
  assert.equal(out.length, 5000);
  for (let i = 0; i < 5000; i++)
    assert.deepEqual(out[i], i % 3 === 0 ? ['ECHO', `v${i}`] : ['SET', `k${i}`, `v${i}`]);
});

const MIXED =
  enc('SET', 'key', 'a\r\nb') +
  'PING\r\n' +
  '\r\n' +
  '*0\r\n' +
  enc('ECHO', '') +
  'ECHO "q\\x41 \\n" \'s\'\n' +
  enc('GET', '\0\xff') +
  '*3\r\n$3\r\nSET\r\n$10\r\n0123456789\r\n$12\r\n0123456789AB\r\n';
const MIXED_EXPECTED = [
  ['SET', 'key', 'a\r\nb'],
  ['PING'],
  ['ECHO', ''],
  ['ECHO', 'qA \n', 's'],
  ['GET', '\0\xff'],
  ['SET', '0123456789', '0123456789AB'],
];

test('a stream split at every byte boundary parses the same', () => {
  const data = B(MIXED);
  assert.deepEqual(parseAll(data), MIXED_EXPECTED);
  for (let k = 0; k <= data.length; k++) {
    const out = parseChunks(parser(), [data.subarray(0, k), data.subarray(k)]);
    assert.deepEqual(out, MIXED_EXPECTED, `split at ${k}`);
  }
});

test('a stream split into three pieces at every pair of boundaries parses the same', () => {
  const data = B(enc('SET', 'k', 'v\r\n') + 'PING x\r\n' + enc('GET', 'k'));
  const expected = [
    ['SET', 'k', 'v\r\n'],
    ['PING', 'x'],
    ['GET', 'k'],
  ];
  for (let i = 0; i <= data.length; i++) {
    for (let j = i; j <= data.length; j++) {
      const out = parseChunks(parser(), [data.subarray(0, i), data.subarray(i, j), data.subarray(j)]);
      assert.deepEqual(out, expected, `split at ${i},${j}`);
    }
  }
});

test('a stream fed one byte at a time parses the same', () => {
  const data = B(MIXED);
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i++) chunks.push(data.subarray(i, i + 1));
  assert.deepEqual(parseChunks(parser(), chunks), MIXED_EXPECTED);
});

test('the two bytes after a count line CR and after a payload are skipped unchecked, as Redis does', () => {
  assert.deepEqual(parseAll('*1\r\n$4\rxPING\r\n'), [['PING']]);
  assert.deepEqual(parseAll('*1\r\n$4\r\nPINGxy*1\rz$4\r\nPING\r\n'), [['PING'], ['PING']]);
});

const ERRORS: [string, string][] = [
  ['*abc\r\n', 'invalid multibulk length'],
  ['*\r\n', 'invalid multibulk length'],
  ['*+1\r\n', 'invalid multibulk length'],
  ['* 1\r\n', 'invalid multibulk length'],
  ['*1 \r\n', 'invalid multibulk length'],
  ['*01\r\n', 'invalid multibulk length'],
  ['*-0\r\n', 'invalid multibulk length'],
  ['*2147483648\r\n', 'invalid multibulk length'],
  ['*9223372036854775807\r\n', 'invalid multibulk length'],
  ['*-9223372036854775809\r\n', 'invalid multibulk length'],
  ['*123456789012345678901\r\n', 'invalid multibulk length'],
  ['*1\r\n$-1\r\n', 'invalid bulk length'],
  ['*1\r\n$-0\r\n', 'invalid bulk length'],
  ['*1\r\n$+4\r\nPING\r\n', 'invalid bulk length'],
  ['*1\r\n$ 4\r\nPING\r\n', 'invalid bulk length'],
  ['*1\r\n$04\r\nPING\r\n', 'invalid bulk length'],
  ['*1\r\n$\r\n', 'invalid bulk length'],
  ['*1\r\n$4x\r\n', 'invalid bulk length'],
  ['*1\r\n$9223372036854775808\r\n', 'invalid bulk length'],
  ['*1\r\n$536870913\r\n', 'invalid bulk length'],
  ['*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n', "expected '$', got 'f'"],
  ['*1\r\n\r\n', "expected '$', got '\r'"],
  ['*1\r\n*1\r\n', "expected '$', got '*'"],
  ['*1\r\n\xff\r\n', "expected '$', got '\xff'"],
  ['ECHO "abc\r\n', 'unbalanced quotes in request'],
  ['ECHO "abc"d\r\n', 'unbalanced quotes in request'],
  ["ECHO 'abc\r\n", 'unbalanced quotes in request'],
  ["ECHO 'a'b\r\n", 'unbalanced quotes in request'],
  ['ECHO "a\\"\r\n', 'unbalanced quotes in request'],
  ['ECHO """"\r\n', 'unbalanced quotes in request'],
];

test('malformed input fails with Redis protocol error texts', () => {
  for (const [input, msg] of ERRORS) {
    assert.deepEqual(parseAll(input), [`Protocol error: ${msg}`], JSON.stringify(input));
  }
});

test('commands before a protocol error are returned first, and the error is sticky in .error', () => {
  const p = parser();
  assert.deepEqual(parseChunks(p, [B('PING\r\n' + enc('ECHO', 'a') + '*x\r\nPING\r\n')]), [
    ['PING'],
    ['ECHO', 'a'],
    'Protocol error: invalid multibulk length',
  ]);
  assert.equal(p.error, 'Protocol error: invalid multibulk length');
  assert.equal(p.pending, 0);
});

test('incomplete count lines wait rather than fail', () => {
  for (const s of [
    '*',
    '*1',
    '*1\r',
    '*1\r\n$',
    '*1\r\n$4',
    '*1\r\n$4\r',
    '*1\r\n$4\r\nPI',
    '*1\r\nfoo',
    '*-',
    '*1\r\n$-',
  ]) {
    assert.deepEqual(parseAll(s), [], JSON.stringify(s));
  }
});

test('multibulk counts up to INT_MAX are accepted and wait for their arguments', () => {
  for (const n of [1024 * 1024, 1024 * 1024 + 1, 2147483647]) {
    const p = parser();
    assert.deepEqual(parseChunks(p, [B(`*${n}\r\n$4\r\nPING\r\n`)]), [], String(n));
    assert.equal(p.error, null);
  }
});

test('huge negative multibulk counts within int64 are empty commands', () => {
  assert.deepEqual(parseAll('*-9223372036854775808\r\nPING\r\n'), [['PING']]);
  assert.deepEqual(parseAll('*-2147483649\r\nPING\r\n'), [['PING']]);
});

test('a NUL byte before the line end stalls the line, as strchr() does in Redis', () => {
  assert.deepEqual(parseAll('PI\0NG\r\nPING\r\n'), []);
  assert.deepEqual(parseAll('*1\0\r\n'), []);
  assert.deepEqual(parseAll('*1\r\n$4\0\r\nPING\r\n'), []);
  assert.deepEqual(parseAll('*3\r\n$3\r\nSET\r\n$1\r\nx\r\n\0ooz\r\n'), [], 'no expected-$ error either');
  // ... until the stalled line exceeds 64 KB.
  const pad = 'x'.repeat(PROTO_INLINE_MAX_SIZE);
  assert.deepEqual(parseAll('PING\0' + pad), ['Protocol error: too big inline request']);
  assert.deepEqual(parseAll('*1\0' + pad), ['Protocol error: too big mbulk count string']);
  assert.deepEqual(parseAll('*1\r\n$1\0' + pad), ['Protocol error: too big bulk count string']);
  // A NUL after the line end is just data.
  assert.deepEqual(parseAll('PING\r\n\0'), [['PING']]);
});

test('lines without an end fail beyond 64 KB, not at 64 KB', () => {
  const max = PROTO_INLINE_MAX_SIZE;
  assert.deepEqual(parseAll('P'.repeat(max)), []);
  assert.deepEqual(parseAll('P'.repeat(max + 1)), ['Protocol error: too big inline request']);
  assert.deepEqual(parseAll('*' + '1'.repeat(max - 1)), []);
  assert.deepEqual(parseAll('*' + '1'.repeat(max)), ['Protocol error: too big mbulk count string']);
  assert.deepEqual(parseAll('*1\r\n$' + '1'.repeat(max - 1)), []);
  assert.deepEqual(parseAll('*1\r\n$' + '1'.repeat(max)), ['Protocol error: too big bulk count string']);
  assert.deepEqual(parseAll('*1\r\nx'.padEnd(max + 5, 'y')), ['Protocol error: too big bulk count string']);
  // A long inline line that does end is a command.
  const long = 'ECHO ' + 'a'.repeat(60000) + '\r\n';
  assert.deepEqual(parseAll(long), [['ECHO', 'a'.repeat(60000)]]);
});

test('buffered input is parsed in Redis-sized reads, so long lines fail where Redis fails them', () => {
  // Redis reads 16 KB, then a buffer's worth: with all of it available at once, a 70 KB line
  // ends within the read that crosses 64 KB and is accepted; a 90 KB line is not.
  assert.deepEqual(parseAll('ECHO ' + 'a'.repeat(70000) + '\r\nPING\r\n'), [
    ['ECHO', 'a'.repeat(70000)],
    ['PING'],
  ]);
  assert.deepEqual(parseAll('ECHO ' + 'a'.repeat(90000) + '\r\nPING\r\n'), [
    'Protocol error: too big inline request',
  ]);
  assert.deepEqual(parseAll('*1\r\n$' + '1'.repeat(90000) + '\r\n'), [
    'Protocol error: too big bulk count string',
  ]);
  // A big argument is read in one go, as Redis reads exactly the rest of a bulk of 32 KB or more.
  const big = 'b'.repeat(200000);
  assert.deepEqual(parseAll(enc('ECHO', big) + 'PING\r\n'), [['ECHO', big], ['PING']]);
});

test('a long line arriving a byte at a time is parsed once complete', () => {
  const line = B('ECHO ' + 'b'.repeat(30000) + '\n');
  const p = parser();
  const chunks: Buffer[] = [];
  for (let i = 0; i < line.length; i++) chunks.push(line.subarray(i, i + 1));
  assert.deepEqual(parseChunks(p, chunks), [['ECHO', 'b'.repeat(30000)]]);
});

test('proto-max-bulk-len bounds bulk lengths and can change at runtime', () => {
  assert.deepEqual(parseAll('*1\r\n$1048576\r\n', { maxBulkLen: 1048576 }), []);
  assert.deepEqual(parseAll('*1\r\n$1048577\r\n', { maxBulkLen: 1048576 }), [
    'Protocol error: invalid bulk length',
  ]);
  const p = parser({ maxBulkLen: 1048576 });
  p.setMaxBulkLen(2000000);
  assert.deepEqual(parseChunks(p, [B('*1\r\n$1048577\r\n')]), []);
});

test('unauthenticated clients are limited to 10 arguments and 16 KB bulks', () => {
  const auth = { authRequired: true };
  const ten = enc('PING', ...Array<string>(9).fill('a'));
  assert.equal(parseAll(ten, auth).length, 1);
  assert.deepEqual(parseAll('*11\r\n', auth), ['Protocol error: unauthenticated multibulk length']);
  assert.deepEqual(parseAll('*-11\r\nPING\r\n', auth), [['PING']]);
  assert.deepEqual(parseAll(enc('ECHO', 'x'.repeat(16384)), auth), [['ECHO', 'x'.repeat(16384)]]);
  assert.deepEqual(parseAll('*2\r\n$4\r\nECHO\r\n$16385\r\n', auth), [
    'Protocol error: unauthenticated bulk length',
  ]);
  // Inline commands have no such limit.
  assert.equal((parseAll('PING a b c d e f g h i j k l\r\n', auth)[0] as string[]).length, 13);
  const p = parser(auth);
  p.setAuthRequired(false);
  assert.deepEqual(parseChunks(p, [B('*11\r\n')]), []);
});

test('a large bulk arriving in 64 KB chunks is assembled with bounded buffering', () => {
  const size = 8 * 1024 * 1024 + 3;
  const payload = Buffer.alloc(size);
  for (let i = 0; i < size; i++) payload[i] = (i * 31) & 0xff;
  const data = Buffer.concat([B(`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${size}\r\n`), payload, B('\r\nPING\r\n')]);
  const p = parser();
  const out: string[][] = [];
  let maxCapacity = 0;
  // Count the bytes the parser copies: quadratic buffering would copy ~size^2 / 128 KB.
  const copy = Buffer.prototype.copy;
  let copied = 0;
  Buffer.prototype.copy = function (this: Buffer, target: Uint8Array, ts?: number, ss = 0, se = this.length) {
    copied += Math.min(se, this.length) - ss;
    return copy.call(this, target, ts, ss, se);
  };
  try {
    for (let off = 0; off < data.length; off += 65536) {
      p.feed(data.subarray(off, off + 65536));
      maxCapacity = Math.max(maxCapacity, p.capacity);
      for (let a = p.next(); a !== null; a = p.next()) out.push(withText(p, a));
    }
  } finally {
    Buffer.prototype.copy = copy;
  }
  assert.ok(copied < 3 * size, `copied ${copied} bytes for a ${size}-byte bulk`);
  assert.equal(out.length, 2);
  assert.equal(out[0][2].length, size);
  assert.ok(Buffer.from(out[0][2], 'latin1').equals(payload));
  assert.deepEqual(out[1], ['PING']);
  assert.ok(maxCapacity <= size + 128 * 1024, `buffer grew to ${maxCapacity}`);
  assert.equal(p.capacity, 0, 'the buffer is released once everything is consumed');
});

test('a huge declared bulk length with little data does not allocate the declared size', () => {
  const p = parser();
  p.feed(B('*2\r\n$4\r\nECHO\r\n$500000000\r\n'));
  assert.equal(p.next(), null);
  for (let i = 0; i < 20; i++) {
    p.feed(Buffer.alloc(1000, 0x61));
    assert.equal(p.next(), null);
  }
  assert.ok(p.capacity < 256 * 1024, `capacity ${p.capacity}`);
  assert.equal(p.pending, 20000);
});

test('the pending count is the unparsed query buffer', () => {
  const p = parser();
  p.feed(B('PING\r\n*2\r\n$4\r\nECHO\r\n$3\r\nab'));
  assert.deepEqual(p.next(), ['PING']);
  assert.equal(p.next(), null);
  assert.equal(p.pending, 2);
  p.feed(B('c\r\n'));
  assert.deepEqual(p.next(), ['ECHO', 'abc']);
  assert.equal(p.pending, 0);
});

test('reset() drops buffered input and partial commands', () => {
  const p = parser();
  p.feed(B('*2\r\n$4\r\nECHO\r\n$3\r\nab'));
  assert.equal(p.next(), null);
  p.reset();
  p.feed(B('PING\r\n'));
  assert.deepEqual(p.next(), ['PING']);
});

test('inline arguments are split like sdssplitargs', () => {
  const cases: [string, string[] | null][] = [
    ['a b  c', ['a', 'b', 'c']],
    ['  \t a\tb \x0b\x0c', ['a', 'b']],
    ['a\x0bb a\x0cb', ['a\x0bb', 'a\x0cb']],
    ['a\rb', ['a', 'b']],
    ['"a\\x41\\x4g\\n\\t\\\\\\"b"', ['aAx4g\n\t\\"b']],
    ['"\\z\\e\\b\\a\\r"', ['ze\b\x07\r']],
    ['"\\x" "\\xA" "\\x41\\x4" "\\\\x41" "\\xff\\x00"', ['x', 'xA', 'Ax4', '\\x41', '\xff\0']],
    ["'a\\\\b\\'c\\n'", ["a\\\\b'c\\n"]],
    ["'it\\'s'", ["it's"]],
    ['a"b c"', ['ab c']],
    ["a'b c'", ['ab c']],
    ['"" \'\'', ['', '']],
    ['"a"\x0c', ['a']],
    ['"a"\tb', ['a', 'b']],
    ['\xff\xfe "\x80"', ['\xff\xfe', '\x80']],
    ['"abc"d', null],
    ['"abc', null],
    ["'abc", null],
    ["'a'b", null],
    ['"a\\"', null],
    ['""""', null],
    ['"a""b"', null],
    ['"a\\', null],
    ['', []],
    ['   ', []],
  ];
  for (const [line, expected] of cases) assert.deepEqual(splitArgs(line), expected, JSON.stringify(line));
});

test('splitArgs keeps characters beyond latin1 intact (config files)', () => {
  assert.deepEqual(splitArgs('name "héllo wörld ✓" x'), ['name', 'héllo wörld ✓', 'x']);
});

test('counts are parsed with string2ll rules', () => {
  const cases: [string, number | null][] = [
    ['0', 0],
    ['1', 1],
    ['-1', -1],
    ['123456789012345', 123456789012345],
    ['9223372036854775807', 2 ** 63],
    ['-9223372036854775808', -(2 ** 63)],
    ['9223372036854775808', null],
    ['-9223372036854775809', null],
    ['18446744073709551616', null],
    ['-0', null],
    ['01', null],
    ['+1', null],
    [' 1', null],
    ['1 ', null],
    ['', null],
    ['-', null],
    ['1a', null],
    ['00000000000000000001', null],
  ];
  for (const [s, v] of cases) assert.equal(parseLongLong(B(s), 0, s.length), v, s);
});

test('command names that repeat, differ by case or by one byte, or hold any byte, come out exact', () => {
  const names = [
    'SET',
    'SET',
    'set',
    'SEt',
    'GET',
    'SET',
    '',
    'S\x00T',
    'S\xffT',
    'SET',
    'x'.repeat(16),
    'x'.repeat(17),
  ];
  const input = names.map((n) => enc(n, 'k')).join('');
  assert.deepEqual(
    parseAll(input),
    names.map((n) => [n, 'k']),
  );
  // Two parsers (two connections) interleaved.
  const a = parser();
  const b = parser();
  assert.deepEqual(parseChunks(a, [B(enc('PING'))]), [['PING']]);
  assert.deepEqual(parseChunks(b, [B(enc('PINH'))]), [['PINH']]);
  assert.deepEqual(parseChunks(a, [B(enc('PING'))]), [['PING']]);
});

test('arguments of 32 KB and more are handed over as bytes, with a placeholder in argv', () => {
  const p = parser();
  const big = 'v'.repeat(BIG_ARG_MIN);
  p.feed(B(enc('SET', 'k', big) + enc('SET', 'k', big.slice(1)) + enc('x'.repeat(BIG_ARG_MIN), big)));
  const first = p.next()!;
  assert.deepEqual(first, ['SET', 'k', BIG_ARG_PLACEHOLDER]);
  assert.equal(p.bigArgs!.length, 3);
  assert.equal(p.bigArgs![2]!.latin1Slice(), big);
  assert.deepEqual(p.next(), ['SET', 'k', big.slice(1)], 'one byte less is a string');
  assert.equal(p.bigArgs, null);
  // The command name is always text.
  const third = p.next()!;
  assert.equal(third[0], 'x'.repeat(BIG_ARG_MIN));
  assert.equal(third[1], BIG_ARG_PLACEHOLDER);
  assert.equal(p.bigArgs![1]!.length, BIG_ARG_MIN);
});

test('latin1() and writeLatin1() convert like latin1Slice and latin1Write for every length and byte value', () => {
  const bytes = Buffer.alloc(256 + 40);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + 3) & 0xff;
  for (let n = 0; n <= 40; n++) {
    for (let p = 0; p + n <= bytes.length; p += 5) {
      const s = latin1(bytes, p, n);
      assert.equal(s, bytes.latin1Slice(p, p + n));
      assert.equal(Buffer.byteLength(s, 'latin1'), n);
      const out = Buffer.alloc(n + 2, 0xaa);
      assert.equal(writeLatin1(out, s, 1), n);
      assert.deepEqual(out.subarray(1, n + 1), bytes.subarray(p, p + n));
      assert.equal(out[0], 0xaa);
      assert.equal(out[n + 1], 0xaa);
    }
  }
  // Arguments as the parser returns them: high bytes and CR/LF inside a bulk survive.
  const p = parser();
  p.feed(B('*3\r\n$3\r\nSET\r\n$4\r\n\xff\x00\r\n\r\n$16\r\n\x80abcdefghijklmn\xfe\r\n'));
  assert.deepEqual(p.next(), ['SET', '\xff\x00\r\n', '\x80abcdefghijklmn\xfe']);
});
