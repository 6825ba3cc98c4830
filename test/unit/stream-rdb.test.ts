/**
 * Stream RDB formats the oracle (7.0) cannot produce on demand: RDB_TYPE_STREAM_LISTPACKS (6.x,
 * without first-id / max-deleted-id / entries-added / entries-read) and _3 (7.2, with consumer
 * active-time) load with 7.0's derived counters; 64-bit IDs and entries-read -1 round-trip.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  RdbOut,
  RdbParser,
  RDB_TYPE_STREAM_LISTPACKS,
  RDB_TYPE_STREAM_LISTPACKS_2,
  RDB_TYPE_STREAM_LISTPACKS_3,
  typeDecoders,
  typeEncoders,
  type LoadContext,
} from '../../src/persistence/rdb.js';
import { nodeListpack } from '../../src/persistence/stream-rdb.js';
import { Stream, StreamID, entryFields, idAt, FLAG_DELETED } from '../../src/store/types/stream.js';

const ctx = { warn: () => {} } as unknown as LoadContext;

function sample(): Stream {
  const s = new Stream();
  for (let i = 1; i <= 10; i++) s.append(StreamID.of(i, 0), ['f', String(i), 'g', 'x'.repeat(i)], 0, 0, 4);
  s.delete(StreamID.of(2, 0));
  const g = s.createGroup('grp', StreamID.of(3, 0), 3)!;
  const alice = g.createConsumer('alice', 1700000000000);
  g.addNack(StreamID.of(1, 0), alice, 1700000000001, 2);
  g.addNack(StreamID.of(3, 0), alice, 1700000000002, 1);
  g.createConsumer('bob', 1700000000003);
  return s;
}

function entries(s: Stream): string[] {
  const out: string[] = [];
  for (const n of s.nodes)
    for (let i = 0; i < n.n; i++)
      if ((n.flags[i] & FLAG_DELETED) === 0)
        out.push(`${idAt(n, i).toString()} ${entryFields(n, i).join(',')}`);
  return out;
}

function decode(buf: Buffer, type: number): Stream {
  return typeDecoders.get(type)!(new RdbParser(buf), type, ctx, 'k') as Stream;
}

/** Writes s in the 6.x layout (_1) or the 7.2 layout (_3, active time = seen time + 5). */
function writeLegacy(s: Stream, type: number): Buffer {
  const out = new RdbOut({ compression: false });
  out.len(s.nodes.length);
  for (const n of s.nodes) {
    const key = Buffer.alloc(16);
    key.writeBigUInt64BE(BigInt(idAt(n, 0).toString().split('-')[0]), 0);
    key.writeBigUInt64BE(BigInt(idAt(n, 0).toString().split('-')[1]), 8);
    out.bytes(key, 0, 16);
    const lp = nodeListpack(n);
    out.bytes(lp, 0, lp.length);
  }
  out.len(s.length);
  out.len(s.lastId.msL);
  out.len(s.lastId.sL);
  if (type === RDB_TYPE_STREAM_LISTPACKS_3) {
    for (const id of [s.firstId, s.maxDeletedId]) {
      out.len(id.msL);
      out.len(id.sL);
    }
    out.len(s.entriesAdded);
  }
  const groups = s.sortedGroups();
  out.len(groups.length);
  for (const g of groups) {
    out.string(g.name);
    out.len(g.lastId.msL);
    out.len(g.lastId.sL);
    if (type === RDB_TYPE_STREAM_LISTPACKS_3) out.len(g.entriesRead);
    const pel = g.pel.toArray();
    out.len(pel.length);
    for (const n of pel) {
      const b = Buffer.alloc(16);
      b.writeUInt32BE(n.id.msL, 4);
      b.writeUInt32BE(n.id.sL, 12);
      out.raw(b);
      out.ms(n.deliveryTime);
      out.len(n.deliveryCount);
    }
    const cs = g.sortedConsumers();
    out.len(cs.length);
    for (const c of cs) {
      out.string(c.name);
      out.ms(c.seenTime);
      if (type === RDB_TYPE_STREAM_LISTPACKS_3) out.ms(c.seenTime + 5);
      const cp = c.pel.toArray();
      out.len(cp.length);
      for (const n of cp) {
        const b = Buffer.alloc(16);
        b.writeUInt32BE(n.id.msL, 4);
        b.writeUInt32BE(n.id.sL, 12);
        out.raw(b);
      }
    }
  }
  return Buffer.from(out.take());
}

function assertGroups(a: Stream, b: Stream, entriesRead: number): void {
  const ga = a.sortedGroups();
  const gb = b.sortedGroups();
  assert.equal(gb.length, ga.length);
  for (let i = 0; i < ga.length; i++) {
    assert.equal(gb[i].name, ga[i].name);
    assert.equal(gb[i].lastId.toString(), ga[i].lastId.toString());
    assert.equal(gb[i].entriesRead, entriesRead);
    const pa = ga[i].pel
      .toArray()
      .map((n) => `${n.id.toString()} ${n.consumer!.name} ${n.deliveryTime} ${n.deliveryCount}`);
    const pb = gb[i].pel
      .toArray()
      .map((n) => `${n.id.toString()} ${n.consumer!.name} ${n.deliveryTime} ${n.deliveryCount}`);
    assert.deepEqual(pb, pa);
    assert.deepEqual(
      gb[i].sortedConsumers().map((c) => `${c.name} ${c.seenTime} ${c.pel.toArray().length}`),
      ga[i].sortedConsumers().map((c) => `${c.name} ${c.seenTime} ${c.pel.toArray().length}`),
    );
  }
}

test('a 6.x stream (RDB_TYPE_STREAM_LISTPACKS) loads with the counters 7.0 derives', () => {
  const s = sample();
  const t = decode(writeLegacy(s, RDB_TYPE_STREAM_LISTPACKS), RDB_TYPE_STREAM_LISTPACKS);
  assert.deepEqual(entries(t), entries(s));
  assert.equal(t.nodes.length, s.nodes.length);
  assert.equal(t.length, 9);
  assert.equal(t.entriesAdded, 9);
  assert.equal(t.firstId.toString(), '1-0');
  assert.equal(t.maxDeletedId.toString(), '0-0');
  assert.equal(t.lastId.toString(), '10-0');
  assertGroups(s, t, t.estimateDistance(StreamID.of(3, 0)));
});

test('a 7.2 stream (RDB_TYPE_STREAM_LISTPACKS_3) loads, consumer active-time dropped', () => {
  const s = sample();
  const t = decode(writeLegacy(s, RDB_TYPE_STREAM_LISTPACKS_3), RDB_TYPE_STREAM_LISTPACKS_3);
  assert.deepEqual(entries(t), entries(s));
  assert.equal(t.entriesAdded, s.entriesAdded);
  assert.equal(t.maxDeletedId.toString(), s.maxDeletedId.toString());
  assertGroups(s, t, 3);
});

test('64-bit IDs and entries-read -1 round-trip through the 7.0 format', () => {
  const s = new Stream();
  const big = new StreamID(0xffffffff, 0xfffffffe, 0xffffffff, 0xffffffff);
  s.append(StreamID.of(5, 0xffffffff), ['a', '-9223372036854775808'], 0, 0, 100);
  s.append(big, ['a', 'b'], 0, 0, 100);
  s.entriesAdded = 2 ** 40;
  s.createGroup('g', big, -1);
  const out = new RdbOut({ compression: true });
  typeEncoders.get('stream')!.write(out, s);
  const t = decode(Buffer.from(out.take()), RDB_TYPE_STREAM_LISTPACKS_2);
  assert.deepEqual(entries(t), entries(s));
  assert.equal(t.lastId.toString(), big.toString());
  assert.equal(t.entriesAdded, 2 ** 40);
  assert.equal(t.lookupGroup('g')!.entriesRead, -1);
  assert.equal(t.lookupGroup('g')!.lastId.toString(), big.toString());
});
