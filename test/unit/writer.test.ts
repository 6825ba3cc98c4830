import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReplyWriter } from '../../src/protocol/writer.js';

function written(proto: 2 | 3, f: (w: ReplyWriter) => void): string {
  const w = new ReplyWriter();
  w.proto = proto;
  f(w);
  return w.buf.latin1Slice(0, w.pos);
}

const both = (f: (w: ReplyWriter) => void): [string, string] => [written(2, f), written(3, f)];

test('integers of every width and sign are written as :<n>', () => {
  const values = [0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 12345, 2147483647, 2147483648, 4294967296];
  values.push(Number.MAX_SAFE_INTEGER, 1e15, 1e15 - 1);
  for (const v of values) {
    assert.equal(
      written(2, (w) => w.integer(v)),
      `:${v}\r\n`,
    );
    assert.equal(
      written(2, (w) => w.integer(-v)),
      `:${v === 0 ? 0 : -v}\r\n`,
    );
  }
  for (let v = -1000; v <= 1000; v++)
    assert.equal(
      written(2, (w) => w.integer(v)),
      `:${v}\r\n`,
    );
});

test('int64 values beyond 2^53 are written exactly from bigints', () => {
  assert.equal(
    written(2, (w) => w.integer(9223372036854775807n)),
    ':9223372036854775807\r\n',
  );
  assert.equal(
    written(2, (w) => w.integer(-9223372036854775808n)),
    ':-9223372036854775808\r\n',
  );
  assert.equal(
    written(2, (w) => w.integer(0n)),
    ':0\r\n',
  );
});

test('bulk strings carry their byte length and every byte value', () => {
  let all = '';
  for (let i = 0; i < 256; i++) all += String.fromCharCode(i);
  assert.equal(
    written(2, (w) => w.bulk(all)),
    `$256\r\n${all}\r\n`,
  );
  for (const n of [0, 1, 9, 10, 15, 16, 17, 99, 100, 1000, 65536, 1000000]) {
    const s = 'x'.repeat(n);
    assert.equal(
      written(2, (w) => w.bulk(s)),
      `$${n}\r\n${s}\r\n`,
    );
  }
});

test('bulkBytes copies a slice of a buffer as a bulk string', () => {
  const src = Buffer.from('..hello world, this is a longer value..', 'latin1');
  assert.equal(
    written(2, (w) => w.bulkBytes(src, 2, 7)),
    '$5\r\nhello\r\n',
  );
  assert.equal(
    written(2, (w) => w.bulkBytes(src, 2, 37)),
    `$35\r\n${src.latin1Slice(2, 37)}\r\n`,
  );
  assert.equal(
    written(2, (w) => w.bulkBytes(src, 3, 3)),
    '$0\r\n\r\n',
  );
});

test('status, ok and errors; newlines in errors become spaces', () => {
  assert.equal(
    written(2, (w) => w.ok()),
    '+OK\r\n',
  );
  assert.equal(
    written(2, (w) => w.status('PONG')),
    '+PONG\r\n',
  );
  assert.equal(
    written(2, (w) => w.status('a much longer status line')),
    '+a much longer status line\r\n',
  );
  assert.equal(
    written(2, (w) => w.error('ERR bad\r\nthing\n')),
    '-ERR bad  thing \r\n',
  );
  assert.equal(
    written(2, (w) => w.error('ERR x')),
    '-ERR x\r\n',
  );
});

test('nulls: $-1 and *-1 in RESP2, _ in RESP3', () => {
  assert.deepEqual(
    both((w) => w.nullBulk()),
    ['$-1\r\n', '_\r\n'],
  );
  assert.deepEqual(
    both((w) => w.nullArray()),
    ['*-1\r\n', '_\r\n'],
  );
  assert.deepEqual(
    both((w) => w.bulkOrNull(null)),
    ['$-1\r\n', '_\r\n'],
  );
  assert.deepEqual(
    both((w) => w.bulkOrNull('a')),
    ['$1\r\na\r\n', '$1\r\na\r\n'],
  );
});

test('aggregates pick their RESP3 type or the RESP2 fallback', () => {
  assert.deepEqual(
    both((w) => w.array(3)),
    ['*3\r\n', '*3\r\n'],
  );
  assert.deepEqual(
    both((w) => w.map(2)),
    ['*4\r\n', '%2\r\n'],
  );
  assert.deepEqual(
    both((w) => w.set(12)),
    ['*12\r\n', '~12\r\n'],
  );
  assert.deepEqual(
    both((w) => w.push(3)),
    ['*3\r\n', '>3\r\n'],
  );
  assert.deepEqual(
    both((w) => w.array(0)),
    ['*0\r\n', '*0\r\n'],
  );
});

test('doubles, booleans, verbatim strings and big numbers', () => {
  assert.deepEqual(
    both((w) => w.double(1.5)),
    ['$3\r\n1.5\r\n', ',1.5\r\n'],
  );
  assert.deepEqual(
    both((w) => w.double(Infinity)),
    ['$3\r\ninf\r\n', ',inf\r\n'],
  );
  assert.deepEqual(
    both((w) => w.bool(true)),
    [':1\r\n', '#t\r\n'],
  );
  assert.deepEqual(
    both((w) => w.bool(false)),
    [':0\r\n', '#f\r\n'],
  );
  assert.deepEqual(
    both((w) => w.verbatim('hello')),
    ['$5\r\nhello\r\n', '=9\r\ntxt:hello\r\n'],
  );
  assert.deepEqual(
    both((w) => w.verbatim('x', 'mkd')),
    ['$1\r\nx\r\n', '=5\r\nmkd:x\r\n'],
  );
  assert.deepEqual(
    both((w) => w.bigNumber('12345678901234567890')),
    ['$20\r\n12345678901234567890\r\n', '(12345678901234567890\r\n'],
  );
  assert.equal(
    written(2, (w) => w.bulkNumber(-42)),
    '$3\r\n-42\r\n',
  );
});

test('deferred lengths are inserted before the elements written since', () => {
  assert.equal(
    written(2, (w) => {
      w.bulk('before');
      const m = w.deferLen();
      for (let i = 0; i < 12; i++) w.integer(i);
      w.setDeferredArray(m, 12);
    }),
    '$6\r\nbefore\r\n*12\r\n' + Array.from({ length: 12 }, (_, i) => `:${i}\r\n`).join(''),
  );
  assert.deepEqual(
    both((w) => {
      const m = w.deferLen();
      w.bulk('f');
      w.bulk('v');
      w.setDeferredMap(m, 1);
    }),
    ['*2\r\n$1\r\nf\r\n$1\r\nv\r\n', '%1\r\n$1\r\nf\r\n$1\r\nv\r\n'],
  );
  assert.deepEqual(
    both((w) => {
      const m = w.deferLen();
      w.setDeferredSet(m, 0);
    }),
    ['*0\r\n', '~0\r\n'],
  );
});

test('a deferred header can grow the buffer', () => {
  const w = new ReplyWriter();
  w.raw('x'.repeat(w.buf.length - 2));
  const m = w.deferLen();
  w.integer(1);
  w.setDeferredArray(m, 1000000);
  assert.equal(w.buf.latin1Slice(m, w.pos), '*1000000\r\n:1\r\n');
});

test('the buffer grows for large replies and take() hands the bytes over', () => {
  const w = new ReplyWriter();
  const big = 'y'.repeat(200000);
  w.bulk('a');
  w.bulk(big);
  w.integer(7);
  const out = w.take()!;
  assert.equal(out.latin1Slice(), `$1\r\na\r\n$200000\r\n${big}\r\n:7\r\n`);
  assert.equal(w.pos, 0);
  assert.equal(w.take(), null);
  w.ok();
  const small = w.take()!;
  assert.equal(small.latin1Slice(), '+OK\r\n');
  w.ok();
  assert.equal(small.latin1Slice(), '+OK\r\n', 'a taken buffer is not overwritten by later replies');
});

test('raw and rawBytes append verbatim', () => {
  assert.equal(
    written(2, (w) => {
      w.raw('+short\r\n');
      w.raw('+a status longer than sixteen bytes\r\n');
      w.rawBytes(Buffer.from('abcdef'), 1, 4);
    }),
    '+short\r\n+a status longer than sixteen bytes\r\nbcd',
  );
});

test('view() shows the pending bytes in place; released() empties the writer', () => {
  const w = new ReplyWriter();
  w.bulk('hello');
  const buf = w.buf;
  const v = w.view();
  assert.equal(v.latin1Slice(), '$5\r\nhello\r\n');
  assert.equal(v.buffer, buf.buffer);
  w.released(false);
  assert.equal(w.pos, 0);
  assert.equal(w.buf, buf, 'a buffer the socket did not keep is reused');
  w.ok();
  w.released(true);
  assert.notEqual(w.buf, buf, 'a buffer the socket kept is handed over');
  assert.equal(v.latin1Slice(0, 5), '+OK\r\n');
  w.raw('x'.repeat(100 * 1024));
  w.released(false);
  assert.equal(w.buf.length, 16 * 1024, 'a buffer grown for a large reply is not kept');
});
