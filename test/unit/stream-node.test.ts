/**
 * Stream node storage: a new node keeps its ID/offset/flag arrays and its data in one backing
 * store; entries read back intact whether the data fits that store, outgrows it (longer or
 * different fields than the first entry), or the arrays grow (node size raised mid-node), and
 * a closed node keeps no dead part of a shared store alive.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Stream, StreamID, entryFields, idAt, type StreamNode } from '../../src/store/types/stream.js';

/** Bytes before n's payload: flags (padded), a 4-word master ID, stride words per entry, offsets. */
function arraysBytes(n: StreamNode): number {
  const cap = n.cap;
  return ((cap + 3) & ~3) + (4 + cap * n.stride) * 4 + (n.o32 ? cap + 1 : (cap + 2) >> 1) * 4;
}

function readAll(s: Stream): string[] {
  const out: string[] = [];
  for (const n of s.nodes)
    for (let i = 0; i < n.n; i++) out.push(`${idAt(n, i).toString()} ${entryFields(n, i).join(',')}`);
  return out;
}

/** A closed (shrunk) node: one exact-size store for the arrays and the data. */
function assertCompact(n: StreamNode): void {
  const used = n.payloadUsed();
  assert.ok(n.payloadCap() <= used + (used >> 3) + 16, 'data trimmed');
  assert.ok(n.cap <= n.n + (n.n >> 3), 'arrays trimmed');
  assert.equal(n.off(0), arraysBytes(n), 'payload right after the arrays');
  assert.equal(n.data.byteOffset, 0, 'one store');
  assert.equal(n.data.buffer.byteLength, n.data.length, 'one store');
  assert.equal(n.ids.buffer, n.data.buffer, 'one store');
}

function fill(
  fvOf: (i: number) => string[],
  count: number,
  maxBytes: number,
  maxEntries: (i: number) => number,
) {
  const s = new Stream();
  const want: string[] = [];
  for (let i = 1; i <= count; i++) {
    const fv = fvOf(i);
    s.append(StreamID.of(1000 + i, i % 3), ['XADD', 'k', '*', ...fv], 3, maxBytes, maxEntries(i));
    want.push(`${1000 + i}-${i % 3} ${fv.join(',')}`);
  }
  return { s, want };
}

test('a new node holds its arrays and data in one store, and same-sized entries fill it without a copy', () => {
  const { s, want } = fill(
    (i) => ['field', `v${String(i).padStart(9, '0')}`],
    250,
    4096,
    () => 100,
  );
  assert.deepEqual(readAll(s), want);
  assert.equal(s.nodes.length, 3);
  for (const n of s.nodes) {
    assert.equal(n.data.buffer, n.ids.buffer);
    if (n.n === 100) assert.ok(n.payloadCap() <= n.payloadUsed() + 16, 'sized for entries like the first');
  }
  for (const n of s.nodes.slice(0, -1)) assertCompact(n);
});

test('entries longer than the first one, or with other fields, move the data out and keep every entry', () => {
  const { s, want } = fill(
    (i) => (i % 7 === 0 ? ['other', 'x'.repeat(i), 'f2', ''] : ['field', 'y'.repeat(i % 50)]),
    400,
    1 << 20,
    () => 100,
  );
  assert.deepEqual(readAll(s), want);
  for (const n of s.nodes.slice(0, -1)) assertCompact(n);
});

test('nodes closed by stream-node-max-bytes before they are full are trimmed into exact stores', () => {
  const { s, want } = fill(
    (i) => ['f', 'z'.repeat(20 + (i % 90))],
    300,
    512,
    () => 100,
  );
  assert.deepEqual(readAll(s), want);
  assert.ok(s.nodes.length > 20);
  for (const n of s.nodes.slice(0, -1)) assertCompact(n);
});

test('raising stream-node-max-entries mid-node grows the arrays and keeps the entries', () => {
  const { s, want } = fill(
    (i) => ['f', String(i)],
    500,
    1 << 20,
    (i) => (i < 50 ? 100 : 300),
  );
  assert.deepEqual(readAll(s), want);
  for (const n of s.nodes.slice(0, -1)) assertCompact(n);
});

test('unlimited entries per node (0) and over 1024 start small, grow, and read back', () => {
  for (const me of [0, 5000]) {
    const { s, want } = fill(
      (i) => ['a', String(i), 'b', 'c'.repeat(i % 5)],
      700,
      1 << 20,
      () => me,
    );
    assert.deepEqual(readAll(s), want);
    assert.equal(s.nodes.length, 1);
    const c = s.clone() as Stream;
    assert.deepEqual(readAll(c), want);
  }
});

const U32 = 0xffffffff;

test('IDs far from the node master (ms delta of 2^32 and more, seq of 2^32 and more) switch the node to full IDs', () => {
  const ids = [
    new StreamID(0, 1, 0, 1),
    new StreamID(0, 1, 0, U32),
    new StreamID(1, 0, 0, 0), // ms delta 2^32 - 1: still compact
    new StreamID(1, 1, 0, 5), // ms delta 2^32: full form from here
    new StreamID(1, 1, 1, 0),
    new StreamID(U32, U32, U32, U32 - 1),
    new StreamID(U32, U32, U32, U32),
  ];
  const s = new Stream();
  const strides: number[] = [];
  for (const id of ids) {
    s.append(id, ['f', id.toString()], 0, 4096, 100);
    strides.push(s.nodes[0].stride);
  }
  assert.deepEqual(strides, [1, 2, 2, 4, 4, 4, 4]);
  assert.equal(s.nodes.length, 1);
  const n = s.nodes[0];
  for (let i = 0; i < ids.length; i++) {
    assert.equal(idAt(n, i).toString(), ids[i].toString());
    assert.deepEqual(entryFields(n, i), ['f', ids[i].toString()]);
    assert.equal(n.lowerBound(ids[i]), i);
    assert.ok(s.has(ids[i]));
  }
  assert.equal(ids[6].toString(), '18446744073709551615-18446744073709551615');
  n.shrink();
  assertCompact(n);
  for (let i = 0; i < ids.length; i++) assert.equal(idAt(n, i).toString(), ids[i].toString());
  const c = s.clone();
  assert.deepEqual(readAll(c), readAll(s));
});

test('a first entry with a seq of 2^32 or more makes a full-ID node; compact nodes around it stay compact', () => {
  const s = new Stream();
  s.append(new StreamID(0, 5, 0, 1), ['a', '1'], 0, 4096, 2);
  s.append(new StreamID(0, 6, 0, 1), ['a', '2'], 0, 4096, 2);
  s.append(new StreamID(0, 7, 3, 9), ['a', '3'], 0, 4096, 2);
  s.append(new StreamID(0, 7, 3, 10), ['a', '4'], 0, 4096, 2);
  s.append(new StreamID(0, 8, 0, 0), ['a', '5'], 0, 4096, 2);
  assert.deepEqual(
    s.nodes.map((n) => n.stride),
    [1, 4, 1],
  );
  assert.deepEqual(readAll(s), ['5-1 a,1', '6-1 a,2', '7-12884901897 a,3', '7-12884901898 a,4', '8-0 a,5']);
  assert.equal(s.lastLiveId()!.toString(), '8-0');
  assert.ok(s.delete(new StreamID(0, 7, 3, 9)));
  assert.ok(!s.has(new StreamID(0, 7, 3, 9)));
  assert.ok(s.has(new StreamID(0, 7, 3, 10)));
});

test('data growing past 64 KB in a node widens its offsets and keeps every entry', () => {
  const { s, want } = fill(
    (i) => ['f', 'w'.repeat(i < 10 ? 5 : 3000)],
    60,
    1 << 20,
    () => 100,
  );
  assert.deepEqual(readAll(s), want);
  assert.equal(s.nodes.length, 1);
  assert.equal(s.nodes[0].o32, true);
  s.nodes[0].shrink();
  assertCompact(s.nodes[0]);
  assert.deepEqual(readAll(s), want);
});

test('16-bit ID deltas stay in one word per entry; a larger ms delta or seq widens the node to two', () => {
  const s = new Stream();
  const ids = [
    new StreamID(7, U32 - 10, 0, 3),
    new StreamID(7, U32 - 10, 0, 0xffff),
    new StreamID(8, 0xffff - 11, 0, 0xffff), // ms delta 65535 across the low word's wrap
    new StreamID(8, 0xffff - 10, 0, 0x10000), // seq 65536
    new StreamID(8, 0xffff - 9, 0, 1),
  ];
  const strides: number[] = [];
  for (const id of ids) {
    s.append(id, ['f', id.toString()], 0, 4096, 100);
    strides.push(s.nodes[0].stride);
  }
  assert.deepEqual(strides, [1, 1, 1, 2, 2]);
  const n = s.nodes[0];
  for (let i = 0; i < ids.length; i++) {
    assert.equal(idAt(n, i).toString(), ids[i].toString());
    assert.equal(n.lowerBound(ids[i]), i);
  }
  const s2 = new Stream();
  s2.append(new StreamID(0, 1, 0, 0), ['f', 'a'], 0, 4096, 100);
  s2.append(new StreamID(0, 0x10001, 0, 0), ['f', 'b'], 0, 4096, 100); // ms delta 65536
  assert.equal(s2.nodes[0].stride, 2);
  assert.deepEqual(readAll(s2), ['1-0 f,a', '65537-0 f,b']);
});

test('single-field entries keep values of any length (empty, 200 bytes, 70,000 bytes) next to other-field entries', () => {
  const values = ['', 'a', 'b'.repeat(200), '', 'c'.repeat(70000), '\u0000\u00ff'];
  const { s, want } = fill(
    (i) => (i % 4 === 0 ? ['other', values[i % values.length], 'x', ''] : ['f', values[i % values.length]]),
    40,
    1 << 30,
    () => 100,
  );
  assert.equal(s.nodes.length, 1);
  assert.deepEqual(readAll(s), want);
  s.nodes[0].shrink();
  assert.deepEqual(readAll(s), want);
});
