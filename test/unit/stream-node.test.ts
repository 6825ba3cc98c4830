/**
 * Stream node storage: a new node keeps its ID/offset/flag arrays and its data in one backing
 * store; entries read back intact whether the data fits that store, outgrows it (longer or
 * different fields than the first entry), or the arrays grow (node size raised mid-node), and
 * a closed node keeps no dead part of a shared store alive.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Stream, StreamID, entryFields, idAt, type StreamNode } from '../../src/store/types/stream.js';

function arraysBytes(cap: number): number {
  return cap * 21 + 4;
}

function readAll(s: Stream): string[] {
  const out: string[] = [];
  for (const n of s.nodes)
    for (let i = 0; i < n.n; i++) out.push(`${idAt(n, i).toString()} ${entryFields(n, i).join(',')}`);
  return out;
}

/** A closed (shrunk) node: exact-size stores, the data either in the arrays' store or alone. */
function assertCompact(n: StreamNode): void {
  const used = n.offs[n.n];
  assert.ok(n.data.length <= used + (used >> 3) + 16, 'data trimmed');
  if (n.data.buffer === n.flags.buffer) {
    assert.equal(n.flags.buffer.byteLength, arraysBytes(n.flags.length) + n.data.length);
  } else {
    assert.equal(n.data.byteOffset, 0, 'data not a view of a dead shared store');
    assert.equal(n.flags.buffer.byteLength, arraysBytes(n.flags.length), 'arrays store holds no dead data');
  }
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
  for (const n of s.nodes) assert.equal(n.data.buffer, n.flags.buffer);
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
