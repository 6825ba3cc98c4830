/**
 * Big arguments (≥ 32 KB, BIG_ARG_MIN in src/protocol/parser.ts): the SET family stores them
 * straight from the parser's bytes, and every other place that keeps or reads argv (other
 * commands, MULTI's queue, CLIENT PAUSE, MONITOR, the slow log, AOF/replica propagation)
 * gets them as text. Replies are compared with the oracle byte for byte.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPair, type Pair } from '../helpers/compat.js';
import { RawClient } from '../helpers/raw-client.js';
import { recordPropagation } from '../../src/index.js';

let pair: Pair;

before(async () => {
  pair = await startPair();
});

after(async () => {
  await pair.close();
});

/** n bytes covering every byte value, CR/LF and NUL included, varied by seed. */
function bytes(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 255;
  return b;
}

const SIZES = [32 * 1024 - 1, 32 * 1024, 40_000, 200_000, 1024 * 1024 + 3];

test('the SET family stores big values byte for byte and replies like the oracle', async () => {
  await pair.reset();
  for (const n of SIZES) {
    const a = bytes(n, 1);
    const b = bytes(n, 2);
    await pair.same(
      ['SET', 'k', a],
      ['GET', 'k'],
      ['STRLEN', 'k'],
      ['OBJECT', 'ENCODING', 'k'],
      ['GETRANGE', 'k', '-5', '-1'],
      ['SET', 'k', b, 'GET'],
      ['GET', 'k'],
      ['SET', 'k', a, 'XX', 'EX', '100'],
      ['TTL', 'k'],
      ['SET', 'k', b, 'NX'],
      ['SET', 'k', 'short'],
      ['SET', 'k', b, 'KEEPTTL'],
      ['GET', 'k'],
      ['SETEX', 'e', '100', a],
      ['PSETEX', 'p', '100000', b],
      ['SETNX', 'nx', a],
      ['SETNX', 'nx', b],
      ['GETSET', 'e', b],
      ['MGET', 'e', 'p', 'nx'],
      ['SET', 'k', a, 'EX', 'notanumber'],
      ['SET', 'k', a, 'BOGUS'],
      ['GET', 'k'],
    );
  }
});

test('other commands get big arguments as text', async () => {
  await pair.reset();
  const a = bytes(200_000, 3);
  const b = bytes(40_000, 4);
  await pair.same(
    ['HSET', 'h', 'f', a, 'g', b],
    ['HGET', 'h', 'f'],
    ['HSTRLEN', 'h', 'g'],
    ['RPUSH', 'l', a, b],
    ['LRANGE', 'l', '0', '-1'],
    ['SADD', 's', a],
    ['SISMEMBER', 's', a],
    ['APPEND', 'ap', a],
    ['APPEND', 'ap', b],
    ['STRLEN', 'ap'],
    ['MSET', 'm1', a, 'm2', b],
    ['MGET', 'm1', 'm2'],
    ['ECHO', a],
    ['SET', a, 'big key'],
    ['GET', a],
    ['NOSUCHCOMMAND', a],
    ['SET', 'k'],
  );
});

test('a SET with a big value inside MULTI is queued as text and runs at EXEC', async () => {
  await pair.reset();
  const a = bytes(300_000, 5);
  await pair.same(['MULTI'], ['SET', 'k', a], ['SETEX', 'e', '100', a], ['GET', 'k'], ['EXEC'], ['GET', 'e']);
});

test('a SET with a big value held by CLIENT PAUSE runs with its bytes when the pause ends', async () => {
  await pair.reset();
  const a = bytes(150_000, 6);
  const admin = await RawClient.connect(pair.respite.port);
  try {
    assert.equal(await admin.call('CLIENT', 'PAUSE', '300', 'WRITE'), '+OK\r\n');
    pair.r.send('SET', 'k', a);
    assert.equal(await pair.r.read(10_000), '+OK\r\n');
    assert.equal(await admin.call('STRLEN', 'k'), ':150000\r\n');
    assert.equal(await admin.call('GET', 'k'), `$150000\r\n${a.latin1Slice()}\r\n`);
  } finally {
    admin.close();
  }
});

test('the slow log shows a big SET value as the oracle does, from its bytes', async () => {
  await pair.reset();
  const a = bytes(50_000, 7);
  // Entry fields: id, time, duration, argv, addr, name. Only argv is comparable.
  const argvOf = async (c: RawClient): Promise<string> => {
    const reply = await c.call('SLOWLOG', 'GET', '1');
    return reply.slice(reply.indexOf('*3\r\n$3\r\nSET'), reply.indexOf('more bytes)') + 13);
  };
  try {
    // No MONITOR, no AOF: the SET runs from the bytes and the slow log reads its first 128.
    await pair.same(['SLOWLOG', 'RESET'], ['CONFIG', 'SET', 'slowlog-log-slower-than', '0'], ['SET', 'k', a]);
    const expected = await argvOf(pair.o);
    assert.match(expected, /\(49872 more bytes\)/);
    assert.equal(await argvOf(pair.r), expected);
    await pair.same(['GET', 'k']);
  } finally {
    await pair.same(['CONFIG', 'SET', 'slowlog-log-slower-than', '10000']);
  }
});

test('MONITOR shows a big SET value as the oracle does', async () => {
  await pair.reset();
  const a = bytes(50_000, 8);
  const mo = await RawClient.connect(pair.oracle.port);
  const mr = await RawClient.connect(pair.respite.port);
  try {
    assert.equal(await mo.call('MONITOR'), '+OK\r\n');
    assert.equal(await mr.call('MONITOR'), '+OK\r\n');
    await pair.same(['SET', 'k', a]);
    // The line after the timestamp and client address: the quoted arguments.
    const line = (s: string): string => s.slice(s.indexOf(']') + 2);
    assert.equal(line(await mr.read()), line(await mo.read()));
  } finally {
    mo.close();
    mr.close();
  }
  await pair.same(['GET', 'k']);
});

test('big values are propagated to the AOF and replicas byte for byte', async () => {
  await pair.reset();
  const rec = recordPropagation(pair.respite.server);
  try {
    const a = bytes(100_000, 8);
    const b = bytes(64_000, 9);
    await pair.same(
      ['SET', 'k', a],
      ['SET', 'k', b, 'GET'],
      ['SETEX', 'e', '100', a],
      ['GETSET', 'e', b],
      ['SET', 'x', a, 'NX'],
    );
    const got = rec.take().filter((cmd) => cmd[0] !== 'SELECT');
    const text = (cmd: string[]): string[] => cmd.map((s, i) => (i === 4 && cmd[3] === 'PXAT' ? '<t>' : s));
    assert.deepEqual(got.map(text), [
      ['SET', 'k', a.latin1Slice()],
      ['SET', 'k', b.latin1Slice()],
      ['SET', 'e', a.latin1Slice(), 'PXAT', '<t>'],
      ['SET', 'e', b.latin1Slice()],
      ['SET', 'x', a.latin1Slice(), 'NX'],
    ]);
  } finally {
    rec.stop();
  }
});

test('concurrent big requests and replies never mix bytes (their buffers are reused)', async () => {
  await pair.reset();
  const clients = await Promise.all([0, 1, 2, 3].map(() => RawClient.connect(pair.respite.port)));
  try {
    await Promise.all(
      clients.map(async (c, ci) => {
        // Pipelined: each SET's value arrives while other clients' replies are in flight.
        const values = Array.from({ length: 12 }, (_, i) => bytes(150_000 + i * 7_001, ci * 16 + i));
        for (let i = 0; i < values.length; i++) {
          c.send('SET', `c${ci}:${i}`, values[i]);
          c.send('GET', `c${ci}:${(i + values.length - 1) % values.length}`);
        }
        for (let i = 0; i < values.length; i++) {
          assert.equal(await c.read(20_000), '+OK\r\n');
          const prev = (i + values.length - 1) % values.length;
          const reply = await c.read(20_000);
          if (prev < i) assert.equal(reply, `$${values[prev].length}\r\n${values[prev].latin1Slice()}\r\n`);
          else assert.equal(reply, '$-1\r\n');
        }
        for (let i = 0; i < values.length; i++)
          assert.equal(
            await c.call('GET', `c${ci}:${i}`),
            `$${values[i].length}\r\n${values[i].latin1Slice()}\r\n`,
          );
      }),
    );
  } finally {
    for (const c of clients) c.close();
  }
});
