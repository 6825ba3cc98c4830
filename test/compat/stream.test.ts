/**
 * Stream commands against the oracle, byte for byte: XADD, XLEN, XRANGE, XREVRANGE, XDEL,
 * XTRIM, XREAD, XREADGROUP, XGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM, XINFO, XSETID, in RESP2
 * and RESP3. Entry IDs are explicit where Redis would take the clock; replies that carry times
 * (delivery times, idle, seen-time) are compared with those numbers masked.
 */
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { startPair, fmt, type Cmd, type Pair } from '../helpers/compat.js';

let pair: Pair;

before(async () => {
  pair = await startPair();
});

after(async () => {
  await pair.close();
});

/** Switches both connections to a protocol (HELLO's reply carries the client id: not compared). */
async function hello(proto: 2 | 3): Promise<void> {
  await pair.both('HELLO', String(proto));
}

beforeEach(async () => {
  await hello(2);
  await pair.reset();
  await pair.same(
    ['CONFIG', 'SET', 'stream-node-max-entries', '100'],
    ['CONFIG', 'SET', 'stream-node-max-bytes', '4096'],
  );
});

async function same(...cmds: Cmd[]): Promise<void> {
  await pair.same(...cmds);
}

/** Replaces integers that are times or durations: unix ms, and the one before a delivery count. */
function mask(reply: string): string {
  return reply
    .replace(/:1[6-9]\d{11}\r\n/g, ':<T>\r\n')
    .replace(/(\$4\r\nidle\r\n):\d+\r\n/g, '$1:<I>\r\n')
    .replace(/(\*4\r\n\$\d+\r\n[0-9-]+\r\n\$\d+\r\n[^\r]*\r\n):\d+\r\n/g, '$1:<E>\r\n');
}

async function sameMasked(...cmds: Cmd[]): Promise<void> {
  for (const cmd of cmds) {
    const [a, b] = await pair.both(...cmd);
    assert.equal(
      mask(b),
      mask(a),
      `reply to ${fmt(cmd)} differs:\n  redis:   ${JSON.stringify(a)}\n  respite: ${JSON.stringify(b)}`,
    );
  }
}

/** Same reply type and shape, with every ID-like token (ms-seq) masked: for `*` IDs. */
async function sameShape(...cmds: Cmd[]): Promise<void> {
  for (const cmd of cmds) {
    const [a, b] = await pair.both(...cmd);
    const m = (s: string): string => mask(s).replace(/\$\d+\r\n\d+-\d+\r\n/g, '<ID>');
    assert.equal(
      m(b),
      m(a),
      `reply to ${fmt(cmd)} differs in shape:\n  redis:   ${JSON.stringify(a)}\n  respite: ${JSON.stringify(b)}`,
    );
  }
}

async function bothProtocols(fn: () => Promise<void>): Promise<void> {
  await hello(2);
  await fn();
  await hello(3);
  await fn();
  await hello(2);
}

test('XADD with explicit, ms-* and * IDs and its ID errors reply like redis', async () => {
  await same(
    ['XADD', 's', '1-1', 'a', '1'],
    ['XADD', 's', '1-1', 'a', '1'],
    ['XADD', 's', '1-0', 'a', '1'],
    ['XADD', 's', '1-*', 'b', '2'],
    ['XADD', 's', '1', 'b', '2'],
    ['XADD', 's', '2', 'b', '2', 'c', '3'],
    ['XADD', 's', '5-*', 'x', 'y'],
    ['XADD', 's', '0-0', 'a', 'b'],
    ['XADD', 'n', '0-0', 'a', 'b'],
    ['XADD', 'n', '0-*', 'a', 'b'],
    ['XADD', 'n', '0', 'a', 'b'],
    ['XADD', 's', 'abc', 'a', 'b'],
    ['XADD', 's', '-', 'a', 'b'],
    ['XADD', 's', '+', 'a', 'b'],
    ['XADD', 's', '10-', 'a', 'b'],
    ['XADD', 's', '-10', 'a', 'b'],
    ['XADD', 's', '10-x', 'a', 'b'],
    ['XADD', 's', '*-5', 'a', 'b'],
    ['XADD', 's', '007-1', 'a', 'b'],
    ['XADD', 's', '+8-1', 'a', 'b'],
    ['XADD', 's', '9-0x1', 'a', 'b'],
    ['XADD', 's', '18446744073709551616-1', 'a', 'b'],
    ['XADD', 's', '18446744073709551615-18446744073709551614', 'a', 'b'],
    ['XADD', 's', '18446744073709551615-*', 'a', 'b'],
    ['XADD', 's', '18446744073709551615-*', 'a', 'b'],
    ['XADD', 's', '*', 'a', 'b'],
    ['XRANGE', 's', '-', '+'],
    ['XREVRANGE', 's', '+', '-', 'COUNT', '2'],
    ['XLEN', 's'],
    ['XADD', 's', '1-1', 'a'],
    ['XADD', 's', '1-1'],
    ['XADD', 's', '*', 'a', 'b', 'c'],
    ['XADD', 'big', '9007199254740993-9007199254740993', 'f', 'v'],
    ['XADD', 'big', '9007199254740993-*', 'f', 'v'],
    ['XADD', 'big', '9223372036854775808-0', 'f', 'v'],
    ['XADD', 'big', '12345678901234567890-12345678901234567890', 'f', 'v'],
    ['XRANGE', 'big', '-', '+'],
    ['XRANGE', 'big', '9007199254740993', '9007199254740993'],
    ['XADD', 'neg', '-0-1', 'f', 'v'],
    ['XADD', 'neg', '-1-1', 'f', 'v'],
    ['XADD', 'neg', ' 5-1', 'f', 'v'],
    ['XRANGE', 'neg', '-', '+'],
  );
  await sameShape(['XADD', 'auto', '*', 'a', 'b'], ['XADD', 'auto', '*', 'a', 'b'], ['XLEN', 'auto']);
});

test('XADD replies of generated sequence numbers across digit counts, ms halves and streams sharing an ms match redis', async () => {
  const cmds: Cmd[] = [];
  for (let i = 0; i < 12; i++) cmds.push(['XADD', 'a', '7-*', 'f', String(i)]);
  cmds.push(['XADD', 'b', '7-*', 'f', 'v'], ['XADD', 'a', '8-*', 'f', 'v'], ['XADD', 'b', '7-*', 'f', 'v']);
  cmds.push(
    ['XADD', 'a', '99-99', 'f', 'v'],
    ['XADD', 'a', '99-*', 'f', 'v'],
    ['XADD', 'a', '100-*', 'f', 'v'],
  );
  cmds.push(['XADD', 'c', '4294967295-*', 'f', 'v'], ['XADD', 'c', '4294967296-*', 'f', 'v']);
  cmds.push(['XADD', 'c', '4294967296-4294967295', 'f', 'v'], ['XADD', 'c', '4294967296-*', 'f', 'v']);
  cmds.push(['XADD', 'c', '9007199254740991-*', 'f', 'v'], ['XADD', 'c', '9007199254740992-*', 'f', 'v']);
  cmds.push(
    ['XADD', 'c', '9007199254740992-*', 'f', 'v'],
    ['XRANGE', 'a', '-', '+'],
    ['XRANGE', 'c', '-', '+'],
  );
  await same(...cmds);
});

test('XADD NOMKSTREAM, MAXLEN and MINID with = ~ and LIMIT, and their errors reply like redis', async () => {
  await same(
    ['XADD', 'nokey', 'NOMKSTREAM', '1-1', 'a', 'b'],
    ['EXISTS', 'nokey'],
    ['XADD', 'nokey', 'NOMKSTREAM', '*', 'a', 'b'],
    ['XADD', 's', 'MAXLEN', '2', '1-1', 'a', 'b'],
    ['XADD', 's', 'MAXLEN', '2', '2-1', 'a', 'b'],
    ['XADD', 's', 'MAXLEN', '=', '2', '3-1', 'a', 'b'],
    ['XRANGE', 's', '-', '+'],
    ['XADD', 's', 'MINID', '3', '4-1', 'a', 'b'],
    ['XRANGE', 's', '-', '+'],
    ['XADD', 's', 'MAXLEN', '-1', '5-1', 'a', 'b'],
    ['XADD', 's', 'MAXLEN', 'x', '5-1', 'a', 'b'],
    ['XADD', 's', 'MAXLEN', '1', 'MINID', '1', '5-1', 'a', 'b'],
    ['XADD', 's', 'MINID', '1', 'MAXLEN', '1', '5-1', 'a', 'b'],
    ['XADD', 's', 'LIMIT', '10', '5-1', 'a', 'b'],
    ['XADD', 's', 'LIMIT', '0', '5-1', 'a', 'b'],
    ['XADD', 's', 'MAXLEN', '1', 'LIMIT', '10', '6-1', 'a', 'b'],
    ['XADD', 's', 'MAXLEN', '~', '1', 'LIMIT', '-1', '6-1', 'a', 'b'],
    ['XADD', 's', 'MAXLEN', '~', '1', 'LIMIT', 'x', '6-1', 'a', 'b'],
    ['XADD', 's', 'MINID', 'bad', '6-1', 'a', 'b'],
    ['XADD', 's', 'MINID', '-', '6-1', 'a', 'b'],
    ['XADD', 's', 'MAXLEN'],
    ['XADD', 's', 'MAXLEN', '5'],
    ['XADD', 's', 'NOMKSTREAM'],
    ['XADD', 's', 'maxlen', '~', '0', '7-1', 'a', 'b'],
    ['XLEN', 's'],
    ['XADD', 's', 'NOMKSTREAM', 'MAXLEN', '0', '8-1', 'a', 'b'],
    ['XLEN', 's'],
    ['EXISTS', 's'],
  );
  // Approximate trimming removes whole nodes only: 10 entries per node.
  await same(['CONFIG', 'SET', 'stream-node-max-entries', '10']);
  for (let i = 1; i <= 95; i++) await same(['XADD', 'a', `${i}-1`, 'f', `v${i}`]);
  await same(
    ['XADD', 'a', 'MAXLEN', '~', '50', '96-1', 'f', 'v'],
    ['XLEN', 'a'],
    ['XADD', 'a', 'MAXLEN', '~', '10', 'LIMIT', '20', '97-1', 'f', 'v'],
    ['XLEN', 'a'],
    ['XADD', 'a', 'MINID', '~', '75', '98-1', 'f', 'v'],
    ['XLEN', 'a'],
    ['XRANGE', 'a', '-', '+', 'COUNT', '3'],
    ['XADD', 'a', 'MINID', '~', '90', 'LIMIT', '0', '99-1', 'f', 'v'],
    ['XLEN', 'a'],
    ['XADD', 'a', 'MINID', '=', '90', '100-1', 'f', 'v'],
    ['XRANGE', 'a', '-', '+', 'COUNT', '3'],
    ['XINFO', 'STREAM', 'a'],
  );
});

test('XTRIM by MAXLEN and MINID, exact and approximate, and its errors reply like redis', async () => {
  await same(['CONFIG', 'SET', 'stream-node-max-entries', '7']);
  for (let i = 1; i <= 60; i++) await same(['XADD', 's', `${i}-0`, 'f', `${i}`, 'g', 'x'.repeat(i)]);
  await same(
    ['XTRIM', 's', 'MAXLEN', '~', '50'],
    ['XTRIM', 's', 'MAXLEN', '~', '49'],
    ['XTRIM', 's', 'MAXLEN', '~', '30', 'LIMIT', '7'],
    ['XTRIM', 's', 'MAXLEN', '~', '30', 'LIMIT', '0'],
    ['XLEN', 's'],
    ['XTRIM', 's', 'MAXLEN', '45'],
    ['XTRIM', 's', 'MINID', '20'],
    ['XTRIM', 's', 'MINID', '~', '30'],
    ['XTRIM', 's', 'MINID', '=', '31-0'],
    ['XINFO', 'STREAM', 's'],
    ['XTRIM', 's', 'MAXLEN', '0'],
    ['XINFO', 'STREAM', 's'],
    ['XTRIM', 'nokey', 'MAXLEN', '0'],
    ['XTRIM', 's'],
    ['XTRIM', 's', 'foo'],
    ['XTRIM', 's', 'MAXLEN'],
    ['XTRIM', 's', 'LIMIT', '5'],
    ['XTRIM', 's', 'MAXLEN', '5', 'LIMIT', '5'],
    ['XTRIM', 's', 'MAXLEN', '-5'],
    ['XTRIM', 's', 'MINID', 'x'],
    ['SET', 'str', 'v'],
    ['XTRIM', 'str', 'MAXLEN', '0'],
    ['XADD', 'str', '*', 'a', 'b'],
  );
});

test('XRANGE and XREVRANGE with exclusive bounds, COUNT and ID edges reply like redis', async () => {
  for (let i = 1; i <= 20; i++) await same(['XADD', 's', `${i}-${i % 3}`, 'f', `${i}`]);
  await same(
    ['XRANGE', 's', '-', '+'],
    ['XRANGE', 's', '5', '9'],
    ['XRANGE', 's', '(5-2', '(9-0'],
    ['XRANGE', 's', '(5', '9'],
    ['XREVRANGE', 's', '(9-0', '(5-2'],
    ['XREVRANGE', 's', '+', '-', 'COUNT', '3'],
    ['XRANGE', 's', '-', '+', 'COUNT', '0'],
    ['XRANGE', 's', '-', '+', 'COUNT', '-1'],
    ['XRANGE', 's', '-', '+', 'COUNT', 'x'],
    ['XRANGE', 's', '-', '+', 'COUNT'],
    ['XRANGE', 's', '-', '+', 'FOO', '1'],
    ['XRANGE', 's', '(-', '+'],
    ['XRANGE', 's', '-', '(+'],
    ['XRANGE', 's', '(18446744073709551615-18446744073709551615', '+'],
    ['XRANGE', 's', '-', '(0-0'],
    ['XRANGE', 's', '(', '+'],
    ['XRANGE', 's', '9', '5'],
    ['XRANGE', 's', 'x', '+'],
    ['XRANGE', 'nokey', '-', '+'],
    ['XRANGE', 'nokey', '-', '+', 'COUNT', '0'],
    ['XREVRANGE', 'nokey', '+', '-'],
    ['XRANGE', 's', '10-1', '10-1'],
    ['XRANGE', 's', '10', '10'],
    ['SET', 'str', 'x'],
    ['XRANGE', 'str', '-', '+'],
    ['XLEN', 'str'],
    ['XLEN', 'nokey'],
  );
});

test('XDEL, tombstones, max-deleted-entry-id and recorded-first-entry-id reply like redis', async () => {
  for (let i = 1; i <= 12; i++) await same(['XADD', 's', `${i}-0`, 'f', `${i}`]);
  await same(
    ['XDEL', 's', '1-0'],
    ['XINFO', 'STREAM', 's'],
    ['XDEL', 's', '5-0', '6-0', '6-0', '100-0'],
    ['XINFO', 'STREAM', 's'],
    ['XDEL', 's', '3-0', 'bad'],
    ['XDEL', 's', '-'],
    ['XDEL', 'nokey', 'bad'],
    ['XRANGE', 's', '-', '+'],
    ['XREVRANGE', 's', '+', '-'],
    ['XADD', 's', '13-0', 'f', '13'],
    ['XINFO', 'STREAM', 's'],
  );
  // Deleting every entry of a node removes it.
  await same(['CONFIG', 'SET', 'stream-node-max-entries', '3']);
  for (let i = 1; i <= 9; i++) await same(['XADD', 't', `${i}-0`, 'f', `${i}`]);
  await same(
    ['XDEL', 't', '4-0', '5-0', '6-0'],
    ['XINFO', 'STREAM', 't'],
    ['XDEL', 't', '1-0', '2-0', '3-0', '7-0', '8-0', '9-0'],
  );
  await same(
    ['XINFO', 'STREAM', 't'],
    ['XLEN', 't'],
    ['EXISTS', 't'],
    ['XADD', 't', '9-0', 'f', 'v'],
    ['XADD', 't', '10-0', 'f', 'v'],
  );
});

test('XINFO STREAM radix-tree counters follow node splitting by entries and bytes', async () => {
  await same(
    ['CONFIG', 'SET', 'stream-node-max-entries', '0'],
    ['CONFIG', 'SET', 'stream-node-max-bytes', '300'],
  );
  for (let i = 1; i <= 200; i++) {
    const fields = i % 3 === 0 ? ['a', `${i}`, 'b', 'x'.repeat(i % 40)] : ['a', `v${i}`];
    await same(['XADD', 's', `${1000 + i * 7}-${i % 5}`, ...fields]);
  }
  await same(['XINFO', 'STREAM', 's']);
  await same(
    ['CONFIG', 'SET', 'stream-node-max-entries', '100'],
    ['CONFIG', 'SET', 'stream-node-max-bytes', '4096'],
  );
  for (let i = 1; i <= 1500; i++) await pair.same(['XADD', 'm', `${i * 1000}-${i}`, 'field', `value-${i}`]);
  await same(['XINFO', 'STREAM', 'm'], ['XTRIM', 'm', 'MAXLEN', '~', '700'], ['XINFO', 'STREAM', 'm']);
  await same(
    ['XADD', 'x', '1099511627776-0', 'f', 'v'],
    ['XADD', 'x', '1099511627777-0', 'f', '-12345678901'],
  );
  await same(['XADD', 'x', '2199023255552-4294967296', 'f', '9999999999999999999'], ['XINFO', 'STREAM', 'x']);
});

test('XGROUP CREATE, SETID, DESTROY, CREATECONSUMER, DELCONSUMER and HELP reply like redis', async () => {
  await same(
    ['XGROUP', 'CREATE', 's', 'g', '$'],
    ['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM'],
    ['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM'],
    ['XGROUP', 'CREATE', 's', 'g2', '0', 'ENTRIESREAD', '3'],
    ['XGROUP', 'CREATE', 's', 'g3', '0', 'ENTRIESREAD', '-1'],
    ['XGROUP', 'CREATE', 's', 'g4', '0', 'ENTRIESREAD', '-2'],
    ['XGROUP', 'CREATE', 's', 'g4', '0', 'ENTRIESREAD', 'x'],
    ['XGROUP', 'CREATE', 's', 'g4', '0', 'FOO'],
    ['XGROUP', 'CREATE', 's', 'g4', '-'],
    ['XGROUP', 'CREATE', 's', 'g4', 'bad'],
    ['XGROUP', 'CREATE', 's', 'g4', '0', 'MKSTREAM', 'ENTRIESREAD', '1', 'MKSTREAM'],
    ['XGROUP', 'CREATE', 'nokey', 'g', '0', 'ENTRIESREAD', '5', 'MKSTREAM'],
    ['XINFO', 'GROUPS', 's'],
    ['XINFO', 'GROUPS', 'nokey'],
    ['XGROUP', 'SETID', 's', 'g', '5-5'],
    ['XGROUP', 'SETID', 's', 'g', '-'],
    ['XGROUP', 'SETID', 's', 'g', '+'],
    ['XGROUP', 'SETID', 's', 'g', '$', 'ENTRIESREAD', '7'],
    ['XGROUP', 'SETID', 's', 'g', '$', 'ENTRIESREAD'],
    ['XGROUP', 'SETID', 's', 'g', '$', 'FOO', '1'],
    ['XGROUP', 'SETID', 's', 'nog', '$'],
    ['XGROUP', 'SETID', 'nokey2', 'g', '$'],
    ['XGROUP', 'SETID', 's', 'g', 'x'],
    ['XINFO', 'GROUPS', 's'],
    ['XGROUP', 'CREATECONSUMER', 's', 'g', 'c1'],
    ['XGROUP', 'CREATECONSUMER', 's', 'g', 'c1'],
    ['XGROUP', 'CREATECONSUMER', 's', 'nog', 'c1'],
    ['XGROUP', 'CREATECONSUMER', 'nokey2', 'g', 'c1'],
    ['XGROUP', 'DELCONSUMER', 's', 'g', 'c1'],
    ['XGROUP', 'DELCONSUMER', 's', 'g', 'c1'],
    ['XGROUP', 'DELCONSUMER', 's', 'nog', 'c1'],
    ['XGROUP', 'DESTROY', 's', 'g'],
    ['XGROUP', 'DESTROY', 's', 'g'],
    ['XGROUP', 'DESTROY', 'nokey2', 'g'],
    ['XGROUP', 'HELP'],
    ['XGROUP', 'help', 'x'],
    ['XGROUP', 'FOO'],
    ['XGROUP'],
    ['XGROUP', 'DESTROY', 's'],
    ['XGROUP', 'CREATE', 's', 'g'],
    ['SET', 'str', 'x'],
    ['XGROUP', 'CREATE', 'str', 'g', '$'],
    ['XGROUP', 'DESTROY', 'str', 'g'],
    ['XINFO', 'GROUPS', 'str'],
    ['TYPE', 's'],
    ['OBJECT', 'ENCODING', 's'],
  );
});

test('XREADGROUP, XACK, XPENDING, entries-read and lag reply like redis', async () => {
  await bothProtocols(async () => {
    await same(['FLUSHALL']);
    for (let i = 1; i <= 10; i++) await same(['XADD', 's', `${i}-0`, 'f', `${i}`]);
    await same(
      ['XGROUP', 'CREATE', 's', 'g', '0'],
      ['XINFO', 'GROUPS', 's'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '3', 'STREAMS', 's', '>'],
      ['XINFO', 'GROUPS', 's'],
      ['XREADGROUP', 'GROUP', 'g', 'bob', 'COUNT', '2', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '1', 'STREAMS', 's', '2'],
      ['XPENDING', 's', 'g'],
      ['XACK', 's', 'g', '1-0', '4-0', '99-0'],
      ['XACK', 's', 'g', '1-0'],
      ['XACK', 's', 'g', 'bad'],
      ['XACK', 's', 'nog', '1-0'],
      ['XACK', 'nokey', 'g', 'bad'],
      ['XPENDING', 's', 'g'],
      ['XDEL', 's', '2-0'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '0'],
      ['XINFO', 'GROUPS', 's'],
      ['XREADGROUP', 'GROUP', 'g', 'carol', 'NOACK', 'COUNT', '2', 'STREAMS', 's', '>'],
      ['XINFO', 'GROUPS', 's'],
      ['XPENDING', 's', 'g'],
      ['XREADGROUP', 'GROUP', 'g', 'carol', 'STREAMS', 's', '>'],
      ['XINFO', 'GROUPS', 's'],
      ['XREADGROUP', 'GROUP', 'g', 'carol', 'STREAMS', 's', '>'],
      ['XGROUP', 'SETID', 's', 'g', '0'],
      ['XINFO', 'GROUPS', 's'],
      ['XREADGROUP', 'GROUP', 'g', 'dave', 'COUNT', '4', 'STREAMS', 's', '>'],
      ['XINFO', 'GROUPS', 's'],
      ['XPENDING', 's', 'g'],
      ['XPENDING', 's', 'nog'],
      ['XPENDING', 'nokey', 'g'],
      ['XPENDING', 's', 'g', '-', '+'],
      ['XPENDING', 's', 'g', '-', '+', 'x'],
      ['XPENDING', 's', 'g', 'IDLE', 'x', '-', '+', '10'],
      ['XPENDING', 's', 'g', 'IDLE', '0', '-', '+'],
      ['XPENDING', 's', 'g', '-', '+', '10', 'nobody'],
      ['XPENDING', 's', 'g', '(18446744073709551615-18446744073709551615', '+', '10'],
      ['XPENDING', 's', 'g', 'x', '+', '10'],
    );
    await sameMasked(
      ['XPENDING', 's', 'g', '-', '+', '10'],
      ['XPENDING', 's', 'g', '(3-0', '+', '2'],
      ['XPENDING', 's', 'g', '-', '(9', '10', 'dave'],
      ['XPENDING', 's', 'g', 'IDLE', '0', '-', '+', '10', 'alice'],
      ['XPENDING', 's', 'g', 'IDLE', '100000', '-', '+', '10'],
      ['XPENDING', 's', 'g', '-', '+', '-5'],
      ['XINFO', 'CONSUMERS', 's', 'g'],
      ['XINFO', 'CONSUMERS', 's', 'nog'],
      ['XINFO', 'CONSUMERS', 'nokey', 'g'],
      ['XINFO', 'STREAM', 's', 'FULL'],
      ['XINFO', 'STREAM', 's', 'FULL', 'COUNT', '2'],
      ['XINFO', 'STREAM', 's', 'FULL', 'COUNT', '0'],
      ['XINFO', 'STREAM', 's', 'FULL', 'COUNT', '-3'],
      ['XINFO', 'STREAM', 's', 'FULL', 'COUNT'],
      ['XINFO', 'STREAM', 's', 'FULL', 'FOO', '1'],
      ['XINFO', 'STREAM', 's', 'FOO'],
      ['XINFO', 'STREAM', 's', 'FULL', 'COUNT', 'x'],
      ['XINFO', 'STREAM', 'nokey'],
      ['XINFO', 'STREAM', 's'],
      ['XINFO', 'HELP'],
      ['XINFO', 'FOO', 's'],
    );
  });
});

test('XREADGROUP and XREAD argument errors reply like redis', async () => {
  await same(
    ['XADD', 's', '1-0', 'f', 'v'],
    ['XGROUP', 'CREATE', 's', 'g', '0'],
    ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's'],
    ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '$'],
    ['XREADGROUP', 'GROUP', 'nog', 'c', 'STREAMS', 's', '>'],
    ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'nokey', '>'],
    ['XREADGROUP', 'COUNT', '1', 'STREAMS', 's', '>'],
    ['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', 'x', 'STREAMS', 's', '>'],
    ['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '-1', 'STREAMS', 's', '>'],
    ['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', 'x', 'STREAMS', 's', '>'],
    ['XREADGROUP', 'GROUP', 'g', 'c', 'FOO', 'STREAMS', 's', '>'],
    ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', 'bad'],
    ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '-'],
    ['XREAD', 'STREAMS', 's', '>'],
    ['XREAD', 'GROUP', 'g', 'c', 'STREAMS', 's', '0'],
    ['XREAD', 'NOACK', 'STREAMS', 's', '0'],
    ['XREAD', 'STREAMS', 's'],
    ['XREAD', 'STREAMS', 's', 's2', '0'],
    ['XREAD', 'COUNT', '1', 's', '0'],
    ['XREAD', 'STREAMS', 's', 'x'],
    ['XREAD', 'STREAMS', 's', '+'],
    ['XREAD', 'COUNT', '-1', 'STREAMS', 's', '0'],
    ['SET', 'str', 'x'],
    ['XREAD', 'STREAMS', 'str', '0'],
    ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'str', '>'],
  );
});

test('XREAD without BLOCK, with $ and several streams, replies like redis in RESP2 and RESP3', async () => {
  await bothProtocols(async () => {
    await same(['FLUSHALL']);
    for (let i = 1; i <= 5; i++)
      await same(['XADD', 'a', `${i}-0`, 'f', `a${i}`], ['XADD', 'b', `${i}-1`, 'g', `b${i}`]);
    await same(
      ['XREAD', 'STREAMS', 'a', 'b', '0', '0'],
      ['XREAD', 'COUNT', '2', 'STREAMS', 'a', 'b', '3', '0-0'],
      ['XREAD', 'STREAMS', 'a', 'b', '$', '$'],
      ['XREAD', 'STREAMS', 'a', 'nokey', '5', '0'],
      ['XREAD', 'STREAMS', 'nokey', 'b', '0', '2'],
      ['XREAD', 'COUNT', '0', 'STREAMS', 'a', '0'],
      ['XREAD', 'STREAMS', 'a', 'a', '0', '3'],
    );
  });
});

test('XCLAIM with IDLE, TIME, RETRYCOUNT, FORCE, JUSTID, LASTID and deleted entries replies like redis', async () => {
  for (let i = 1; i <= 8; i++) await same(['XADD', 's', `${i}-0`, 'f', `${i}`]);
  await same(
    ['XGROUP', 'CREATE', 's', 'g', '0'],
    ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '6', 'STREAMS', 's', '>'],
    ['XCLAIM', 's', 'g', 'bob', '0', '1-0', '2-0'],
    ['XCLAIM', 's', 'g', 'bob', '3600000', '3-0'],
    ['XCLAIM', 's', 'g', 'bob', '0', '3-0', 'JUSTID'],
    ['XCLAIM', 's', 'g', 'bob', '0', '4-0', 'RETRYCOUNT', '7', 'JUSTID'],
    ['XCLAIM', 's', 'g', 'carol', '0', '7-0'],
    ['XCLAIM', 's', 'g', 'carol', '0', '7-0', 'FORCE'],
    ['XCLAIM', 's', 'g', 'carol', '0', '99-0', 'FORCE'],
    ['XCLAIM', 's', 'g', 'carol', '0', '5-0', 'LASTID', '8-0'],
    ['XINFO', 'GROUPS', 's'],
    ['XCLAIM', 's', 'g', 'carol', '0', '6-0', 'LASTID', 'bad'],
    ['XCLAIM', 's', 'g', 'carol', '0', '6-0', 'IDLE', 'x'],
    ['XCLAIM', 's', 'g', 'carol', '0', '6-0', 'TIME', 'x'],
    ['XCLAIM', 's', 'g', 'carol', '0', '6-0', 'RETRYCOUNT', 'x'],
    ['XCLAIM', 's', 'g', 'carol', '0', '6-0', 'BOGUS'],
    ['XCLAIM', 's', 'g', 'carol', 'x', '6-0'],
    ['XCLAIM', 's', 'nog', 'carol', '0', '6-0'],
    ['XCLAIM', 'nokey', 'g', 'carol', '0', '6-0'],
    ['XCLAIM', 's', 'g', 'carol', '-5', '6-0', 'IDLE', '5000', 'RETRYCOUNT', '2'],
    ['XDEL', 's', '1-0'],
    ['XCLAIM', 's', 'g', 'dave', '0', '1-0', '2-0'],
    ['XPENDING', 's', 'g'],
  );
  await sameMasked(
    ['XPENDING', 's', 'g', '-', '+', '10'],
    ['XCLAIM', 's', 'g', 'dave', '0', '3-0', 'TIME', '1000'],
    ['XINFO', 'STREAM', 's', 'FULL'],
  );
  const [o] = await pair.both('XPENDING', 's', 'g', '-', '+', '10');
  assert.match(o, /3-0\r\n\$4\r\ndave\r\n:\d{13}/);
});

test('XAUTOCLAIM with COUNT, JUSTID, cursors and deleted entries replies like redis', async () => {
  await bothProtocols(async () => {
    await same(['FLUSHALL']);
    for (let i = 1; i <= 30; i++) await same(['XADD', 's', `${i}-0`, 'f', `${i}`]);
    await same(
      ['XGROUP', 'CREATE', 's', 'g', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>'],
      ['XDEL', 's', '3-0', '4-0', '20-0'],
      ['XAUTOCLAIM', 's', 'g', 'bob', '0', '0', 'COUNT', '5'],
      ['XAUTOCLAIM', 's', 'g', 'bob', '0', '6-0', 'COUNT', '5', 'JUSTID'],
      ['XAUTOCLAIM', 's', 'g', 'bob', '0', '(10-0', 'COUNT', '15'],
      ['XAUTOCLAIM', 's', 'g', 'bob', '0', '-'],
      ['XAUTOCLAIM', 's', 'g', 'bob', '3600000', '-'],
      ['XAUTOCLAIM', 's', 'g', 'bob', '0', '29-0'],
      ['XAUTOCLAIM', 's', 'g', 'bob', '0', '31-0'],
      ['XAUTOCLAIM', 's', 'g', 'bob', '0', '0', 'COUNT', '0'],
      ['XAUTOCLAIM', 's', 'g', 'bob', '0', '0', 'COUNT', 'x'],
      ['XAUTOCLAIM', 's', 'g', 'bob', '0', '0', 'COUNT', '576460752303423488'],
      ['XAUTOCLAIM', 's', 'g', 'bob', '0', '0', 'FOO'],
      ['XAUTOCLAIM', 's', 'g', 'bob', 'x', '0'],
      ['XAUTOCLAIM', 's', 'g', 'bob', '0', 'x'],
      ['XAUTOCLAIM', 's', 'g', 'bob', '0', '(18446744073709551615-18446744073709551615'],
      ['XAUTOCLAIM', 's', 'nog', 'bob', '0', '0'],
      ['XAUTOCLAIM', 'nokey', 'g', 'bob', '0', '0'],
      ['XPENDING', 's', 'g'],
    );
  });
});

test('XSETID with ENTRIESADDED and MAXDELETEDID replies like redis', async () => {
  await same(
    ['XSETID', 'nokey', '1-0'],
    ['XADD', 's', '5-0', 'f', 'v'],
    ['XADD', 's', '6-0', 'f', 'v'],
    ['XSETID', 's', '4-0'],
    ['XSETID', 's', '6-0'],
    ['XSETID', 's', '10-0', 'ENTRIESADDED', '1'],
    ['XSETID', 's', '10-0', 'ENTRIESADDED', '-1'],
    ['XSETID', 's', '10-0', 'ENTRIESADDED', 'x'],
    ['XSETID', 's', '10-0', 'MAXDELETEDID', '11-0'],
    ['XSETID', 's', '10-0', 'MAXDELETEDID', 'bad'],
    ['XSETID', 's', '10-0', 'FOO'],
    ['XSETID', 's', '10-0', 'ENTRIESADDED'],
    ['XSETID', 's', '10-0', 'ENTRIESADDED', '9', 'MAXDELETEDID', '3-0'],
    ['XINFO', 'STREAM', 's'],
    ['XSETID', 's', '10-0', 'MAXDELETEDID', '2-0'],
    ['XSETID', 's', '2-0'],
    ['XSETID', 's', 'bad'],
    ['XSETID', 's', '-'],
    ['XADD', 's', '9-0', 'f', 'v'],
    ['XADD', 's', '10-*', 'f', 'v'],
    ['XGROUP', 'CREATE', 's', 'g', '0'],
    ['XINFO', 'GROUPS', 's'],
    ['XDEL', 's', '5-0', '6-0', '10-1'],
    ['XINFO', 'GROUPS', 's'],
    ['XINFO', 'STREAM', 's'],
    ['XSETID', 's', '18446744073709551615-18446744073709551615'],
    ['XADD', 's', '*', 'f', 'v'],
    ['XADD', 's', '5-*', 'f', 'v'],
    ['SET', 'str', 'x'],
    ['XSETID', 'str', '1-0'],
  );
});

test('lag is nil when tombstones make entries-read unknowable, as in redis', async () => {
  for (let i = 1; i <= 6; i++) await same(['XADD', 's', `${i}-0`, 'f', `${i}`]);
  await same(
    ['XGROUP', 'CREATE', 's', 'g1', '0'],
    ['XGROUP', 'CREATE', 's', 'g2', '3-0'],
    ['XGROUP', 'CREATE', 's', 'g3', '$'],
    ['XGROUP', 'CREATE', 's', 'g4', '0', 'ENTRIESREAD', '2'],
    ['XINFO', 'GROUPS', 's'],
    ['XDEL', 's', '4-0'],
    ['XINFO', 'GROUPS', 's'],
    ['XREADGROUP', 'GROUP', 'g1', 'c', 'COUNT', '2', 'STREAMS', 's', '>'],
    ['XREADGROUP', 'GROUP', 'g2', 'c', 'COUNT', '2', 'STREAMS', 's', '>'],
    ['XINFO', 'GROUPS', 's'],
    ['XREADGROUP', 'GROUP', 'g1', 'c', 'STREAMS', 's', '>'],
    ['XINFO', 'GROUPS', 's'],
    ['XDEL', 's', '1-0'],
    ['XINFO', 'GROUPS', 's'],
    ['XTRIM', 's', 'MAXLEN', '1'],
    ['XINFO', 'GROUPS', 's'],
    ['XADD', 's', '7-0', 'f', '7'],
    ['XINFO', 'GROUPS', 's'],
    ['XGROUP', 'SETID', 's', 'g1', '0'],
    ['XINFO', 'GROUPS', 's'],
    ['XGROUP', 'SETID', 's', 'g1', '$', 'ENTRIESREAD', '3'],
    ['XINFO', 'GROUPS', 's'],
  );
});

test('COPY, RENAME, DEL, TYPE, OBJECT ENCODING and DUMP-free keyspace commands work on streams', async () => {
  await same(
    ['XADD', 's', '1-0', 'f', 'v'],
    ['XGROUP', 'CREATE', 's', 'g', '0'],
    ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '>'],
    ['COPY', 's', 's2'],
    ['XADD', 's2', '2-0', 'f', 'w'],
    ['XLEN', 's'],
    ['XLEN', 's2'],
    ['XPENDING', 's2', 'g'],
    ['XACK', 's2', 'g', '1-0'],
    ['XPENDING', 's', 'g'],
    ['RENAME', 's2', 's3'],
    ['TYPE', 's3'],
    ['OBJECT', 'ENCODING', 's3'],
    ['SCAN', '0', 'TYPE', 'stream', 'MATCH', 's3'],
    ['DEL', 's', 's3'],
    ['EXISTS', 's'],
  );
  const [, r] = await pair.both('MEMORY', 'USAGE', 'nokey');
  assert.equal(r, '$-1\r\n');
});

// (XGROUP/XINFO's COMMAND INFO lists subcommands in the oracle's per-process dict order.)
test('COMMAND GETKEYS and COMMAND INFO of stream commands reply like redis', async () => {
  await same(
    ['COMMAND', 'GETKEYS', 'XREAD', 'COUNT', '1', 'BLOCK', '0', 'STREAMS', 'a', 'b', '0', '0'],
    ['COMMAND', 'GETKEYS', 'XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'a', '>'],
    ['COMMAND', 'GETKEYS', 'XADD', 's', '*', 'f', 'v'],
    ['COMMAND', 'GETKEYS', 'XGROUP', 'CREATE', 's', 'g', '$'],
    ['COMMAND', 'GETKEYS', 'XINFO', 'STREAM', 's'],
    ['COMMAND', 'INFO', 'xadd', 'xread', 'xreadgroup', 'xautoclaim', 'xsetid'],
  );
});
