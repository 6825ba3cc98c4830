/**
 * Streams in RDB as Redis 7.0 (rdb.c rdbSaveObject/rdbLoadObject, t_stream.c): one listpack per
 * node keyed by its master ID (16 bytes big-endian ms+seq), the stream metadata, then consumer
 * groups with their PEL and consumers. Writes RDB_TYPE_STREAM_LISTPACKS_2 (7.0); reads _1, _2
 * and _3 (7.2). Respite's nodes split where Redis's do, so the listpacks written here are the
 * bytes Redis holds for the same history. Also DEBUG DIGEST of streams (debug.c).
 * Registered into the rdb/digest registries on import.
 */
import {
  RdbError,
  RDB_TYPE_STREAM_LISTPACKS,
  RDB_TYPE_STREAM_LISTPACKS_2,
  RDB_TYPE_STREAM_LISTPACKS_3,
  typeDecoders,
  typeEncoders,
  type LoadContext,
  type RdbOut,
  type RdbParser,
} from './rdb.js';
import { valueDigesters } from './digest.js';
import { decodeListpack, encodeListpack } from './listpack.js';
import type { RObject } from '../store/database.js';
import {
  Consumer,
  FLAG_DELETED,
  FLAG_SAMEFIELDS,
  Stream,
  StreamID,
  entryFields,
  idAt,
  u64ToString,
  type StreamNode,
} from '../store/types/stream.js';

const TWO_32 = 4294967296;
const U64 = (1n << 64n) - 1n;

function u64(h: number, l: number): bigint {
  return (BigInt(h) << 32n) | BigInt(l);
}

function idFromBig(ms: bigint, seq: bigint): StreamID {
  return new StreamID(
    Number(ms >> 32n),
    Number(ms & 0xffffffffn),
    Number(seq >> 32n),
    Number(seq & 0xffffffffn),
  );
}

// ---- Writing ------------------------------------------------------------------------------------

/** rdbSaveLen of a uint64 given as two words (IDs), or of -1 (as 2^64-1). */
function lenU64(out: RdbOut, h: number, l: number): void {
  if (h === 0) {
    out.len(l);
    return;
  }
  out.byte(0x81);
  const b = Buffer.allocUnsafe(8);
  b.writeUInt32BE(h, 0);
  b.writeUInt32BE(l, 4);
  out.raw(b);
}

function lenSigned(out: RdbOut, n: number): void {
  if (n >= 0) lenU64(out, Math.floor(n / TWO_32), n >>> 0);
  else {
    const v = BigInt.asUintN(64, BigInt(n));
    lenU64(out, Number(v >> 32n), Number(v & 0xffffffffn));
  }
}

function rawId(id: StreamID): Buffer {
  const b = Buffer.allocUnsafe(16);
  b.writeUInt32BE(id.msH, 0);
  b.writeUInt32BE(id.msL, 4);
  b.writeUInt32BE(id.sH, 8);
  b.writeUInt32BE(id.sL, 12);
  return b;
}

/** The listpack Redis holds for this node (master entry, then every entry, tombstones too). */
export function nodeListpack(node: StreamNode): Buffer {
  const items: string[] = [];
  const master = node.master;
  items.push(String(node.live), String(node.n - node.live), String(master.length));
  for (let k = 0; k < master.length; k++) items.push(master[k]);
  items.push('0');
  const mMs = u64(node.ids[0], node.ids[1]);
  const mSeq = u64(node.ids[2], node.ids[3]);
  for (let i = 0; i < node.n; i++) {
    const flags = node.flags[i];
    items.push(String(flags));
    const id = idAt(node, i);
    // uint64 differences seen as int64, as streamAppendItem stores them.
    items.push(String(BigInt.asIntN(64, u64(id.msH, id.msL) - mMs)));
    items.push(String(BigInt.asIntN(64, u64(id.sH, id.sL) - mSeq)));
    const fv = entryFields(node, i);
    const nf = fv.length >> 1;
    if (flags & FLAG_SAMEFIELDS) {
      for (let k = 1; k < fv.length; k += 2) items.push(fv[k]);
      items.push(String(nf + 3));
    } else {
      items.push(String(nf));
      for (let k = 0; k < fv.length; k++) items.push(fv[k]);
      items.push(String(2 * nf + 4));
    }
  }
  return encodeListpack(items);
}

function writeStream(out: RdbOut, v: RObject): void {
  const s = v as Stream;
  out.len(s.nodes.length);
  for (const node of s.nodes) {
    const key = rawId(idAt(node, 0));
    out.bytes(key, 0, 16);
    const lp = nodeListpack(node);
    out.bytes(lp, 0, lp.length);
  }
  out.len(s.length);
  lenU64(out, s.lastId.msH, s.lastId.msL);
  lenU64(out, s.lastId.sH, s.lastId.sL);
  lenU64(out, s.firstId.msH, s.firstId.msL);
  lenU64(out, s.firstId.sH, s.firstId.sL);
  lenU64(out, s.maxDeletedId.msH, s.maxDeletedId.msL);
  lenU64(out, s.maxDeletedId.sH, s.maxDeletedId.sL);
  lenSigned(out, s.entriesAdded);
  const groups = s.sortedGroups();
  out.len(groups.length);
  for (const g of groups) {
    out.string(g.name);
    lenU64(out, g.lastId.msH, g.lastId.msL);
    lenU64(out, g.lastId.sH, g.lastId.sL);
    lenSigned(out, g.entriesRead);
    const pel = g.pel.toArray();
    out.len(pel.length);
    for (const n of pel) {
      out.raw(rawId(n.id));
      out.ms(n.deliveryTime);
      out.len(n.deliveryCount);
    }
    const consumers = g.sortedConsumers();
    out.len(consumers.length);
    for (const c of consumers) {
      out.string(c.name);
      out.ms(c.seenTime);
      const cp = c.pel.toArray();
      out.len(cp.length);
      for (const n of cp) out.raw(rawId(n.id));
    }
  }
}

// ---- Reading ------------------------------------------------------------------------------------

/** rdbLoadLen as an exact uint64. */
function readU64(p: RdbParser): bigint {
  const b = p.buf[p.pos];
  if (b === 0x81) {
    p.skip(1);
    const v = p.buf.readBigUInt64BE(p.pos);
    p.skip(8);
    return v;
  }
  return BigInt(p.plainLen());
}

function readId(p: RdbParser): StreamID {
  const ms = readU64(p);
  const seq = readU64(p);
  return idFromBig(ms, seq);
}

function readRawId(p: RdbParser): StreamID {
  p.skip(16);
  const b = p.buf;
  const o = p.pos - 16;
  return new StreamID(
    b.readUInt32BE(o),
    b.readUInt32BE(o + 4),
    b.readUInt32BE(o + 8),
    b.readUInt32BE(o + 12),
  );
}

/** A signed 64-bit counter stored as uint64 (entries_read may be -1). */
function readSigned(p: RdbParser): number {
  return Number(BigInt.asIntN(64, readU64(p)));
}

function num(s: string): bigint {
  try {
    return BigInt(s);
  } catch {
    throw new RdbError('Stream listpack integrity check failed.');
  }
}

/** Rebuilds one node from its listpack: entries appended in order, then tombstones marked. */
function nodeFromListpack(key: Buffer, lp: Buffer): StreamNode {
  const items = decodeListpack(lp);
  if (items.length === 0) throw new RdbError('Empty listpack inside stream');
  const bad = (): never => {
    throw new RdbError('Stream listpack integrity check failed.');
  };
  const mMs = key.readBigUInt64BE(0);
  const mSeq = key.readBigUInt64BE(8);
  let p = 0;
  if (items.length < 4) bad();
  p += 2; // count, deleted (recomputed from the flags)
  const nf = Number(num(items[p++]));
  if (nf < 0 || p + nf + 1 > items.length) bad();
  const master = items.slice(p, p + nf);
  p += nf;
  if (items[p++] !== '0') bad();
  const tmp = new Stream();
  const deleted: number[] = [];
  while (p < items.length) {
    const flags = Number(num(items[p++]));
    if (p + 2 > items.length) bad();
    const ms = (mMs + num(items[p++])) & U64;
    const seq = (mSeq + num(items[p++])) & U64;
    let fv: string[];
    if (flags & FLAG_SAMEFIELDS) {
      if (p + nf > items.length) bad();
      fv = new Array<string>(2 * nf);
      for (let k = 0; k < nf; k++) {
        fv[2 * k] = master[k];
        fv[2 * k + 1] = items[p++];
      }
    } else {
      const n = Number(num(items[p++]));
      if (n < 0 || p + 2 * n > items.length) bad();
      fv = items.slice(p, p + 2 * n);
      p += 2 * n;
    }
    p++; // lp-count
    if (p > items.length) bad();
    const id = idFromBig(ms, seq);
    if (tmp.length > 0 && compare(id, tmp.lastId) <= 0) bad();
    if (flags & FLAG_DELETED) deleted.push(tmp.nodes.length === 0 ? 0 : tmp.nodes[0].n);
    // One node whatever the limits: the file decides where nodes split.
    tmp.append(id, fv, 0, 0, 0);
  }
  if (tmp.nodes.length !== 1) bad();
  const node = tmp.nodes[0];
  if (node.master.length !== nf) bad();
  for (const i of deleted) node.flags[i] |= FLAG_DELETED;
  node.live -= deleted.length;
  if (node.live === 0) throw new RdbError('Empty listpack inside stream');
  node.shrink();
  return node;
}

function compare(a: StreamID, b: StreamID): number {
  return a.msH - b.msH || a.msL - b.msL || a.sH - b.sH || a.sL - b.sL;
}

function readStream(p: RdbParser, type: number, _ctx: LoadContext, _key: string): Stream {
  const s = new Stream();
  const nodes = p.plainLen();
  for (let i = 0; i < nodes; i++) {
    const key = Buffer.from(p.blob());
    if (key.length !== 16) throw new RdbError('Stream node key entry is not the size of a stream ID');
    const lp = p.blob();
    const node = nodeFromListpack(key, lp);
    if (s.nodes.length > 0) {
      const prev = s.nodes[s.nodes.length - 1];
      if (compare(idAt(node, 0), idAt(prev, prev.n - 1)) <= 0)
        throw new RdbError('Stream nodes out of order');
    }
    s.nodes.push(node);
  }
  s.length = p.plainLen();
  s.lastId = readId(p);
  if (type >= RDB_TYPE_STREAM_LISTPACKS_2) {
    s.firstId = readId(p);
    s.maxDeletedId = readId(p);
    s.entriesAdded = readSigned(p);
  } else {
    // Older files: the counters 7.0 derives when loading them.
    s.entriesAdded = s.length;
    s.maxDeletedId = new StreamID();
    s.firstId = s.firstLiveId() ?? new StreamID();
  }
  let live = 0;
  for (const n of s.nodes) live += n.live;
  if (live !== s.length) throw new RdbError('Stream length inconsistent with its listpacks');
  const groups = p.plainLen();
  for (let g = 0; g < groups; g++) {
    const name = p.string();
    const lastId = readId(p);
    const entriesRead = type >= RDB_TYPE_STREAM_LISTPACKS_2 ? readSigned(p) : s.estimateDistance(lastId);
    const cg = s.createGroup(name, lastId, entriesRead);
    if (cg === null) throw new RdbError('Duplicated consumer group name');
    const pel = p.plainLen();
    for (let i = 0; i < pel; i++) {
      const id = readRawId(p);
      const time = Number(p.ms());
      const count = p.plainLen();
      if (cg.findNack(id) !== undefined)
        throw new RdbError('Duplicated global PEL entry loading stream consumer group');
      cg.addNack(id, null, time, count);
    }
    const consumers = p.plainLen();
    for (let c = 0; c < consumers; c++) {
      const cname = p.string();
      const seen = Number(p.ms());
      if (type >= RDB_TYPE_STREAM_LISTPACKS_3) p.skip(8); // active time (7.2): 7.0 has none
      if (cg.consumers.has(cname)) throw new RdbError('Duplicate stream consumer detected.');
      const consumer: Consumer = cg.createConsumer(cname, seen);
      const cpel = p.plainLen();
      for (let i = 0; i < cpel; i++) {
        const id = readRawId(p);
        const nack = cg.findNack(id);
        if (nack === undefined) throw new RdbError('Consumer entry not found in group global PEL');
        if (nack.consumer !== null)
          throw new RdbError('Duplicated consumer PEL entry loading a stream consumer group');
        nack.consumer = consumer;
        consumer.pel.insert(nack);
      }
    }
    for (const n of cg.pel.toArray()) {
      if (n.consumer === null) throw new RdbError('Stream PEL NACK missing a consumer');
    }
  }
  return s;
}

// ---- Digest (debug.c xorObjectDigest) -------------------------------------------------------

function digestStream(digest: Buffer, v: RObject, mix: (d: Buffer, s: Buffer | string) => void): void {
  const s = v as Stream;
  for (const node of s.nodes) {
    for (let i = 0; i < node.n; i++) {
      if (node.flags[i] & FLAG_DELETED) continue;
      const id = idAt(node, i);
      mix(digest, u64ToString(id.msH, id.msL) + '.' + u64ToString(id.sH, id.sL));
      const fv = entryFields(node, i);
      for (let k = 0; k < fv.length; k++) mix(digest, fv[k]);
    }
  }
}

typeEncoders.set('stream', { rdbType: () => RDB_TYPE_STREAM_LISTPACKS_2, write: writeStream });
for (const t of [RDB_TYPE_STREAM_LISTPACKS, RDB_TYPE_STREAM_LISTPACKS_2, RDB_TYPE_STREAM_LISTPACKS_3]) {
  typeDecoders.set(t, readStream);
}
valueDigesters.set('stream', { typeId: 6, digest: digestStream });
