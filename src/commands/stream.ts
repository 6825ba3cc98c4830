/**
 * Stream commands (t_stream.c of Redis 7.0): XADD, XLEN, XRANGE, XREVRANGE, XDEL, XTRIM,
 * XREAD, XREADGROUP, XGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM, XINFO, XSETID.
 *
 * Writes notify NOTIFY_STREAM events named as Redis names them and are propagated in Redis's
 * rewritten forms: XADD with the generated ID and exact trimming arguments, XREADGROUP and
 * XAUTOCLAIM as XCLAIM ... plus XGROUP SETID, and so on.
 */
import type { Client } from '../server/client.js';
import type { CommandSpec } from './types.js';
import type { Database } from '../store/database.js';
import { NOTIFY_STREAM } from '../server/notify.js';
import { mayBlock, parseTimeout, type BlockHandler } from '../server/blocking.js';
import {
  ERR_NO_SUCH_KEY,
  ERR_NOT_INTEGER,
  ERR_SYNTAX,
  ERR_WRONGTYPE,
  eq,
  lookupReadCounted,
} from './util.js';
import { parseInt64 } from '../util/numbers.js';
import {
  ConsumerGroup,
  Consumer,
  ENTRIES_READ_INVALID,
  FLAG_SAMEFIELDS,
  MAX_ID,
  Nack,
  NackList,
  POS,
  Stream,
  StreamCursor,
  StreamID,
  cmpID,
  idAt,
  idStringAt,
  parseU64,
  readVarint,
  type StreamNode,
} from '../store/types/stream.js';

const ERR_INVALID_ID = 'ERR Invalid stream ID specified as stream command argument';
const XREAD_BLOCKED_DEFAULT_COUNT = 1000;

// ---- Lookups and argument parsing --------------------------------------------------------------

/** The stream at key for reading: null when absent, undefined after replying WRONGTYPE. */
function readStream(c: Client, key: string): Stream | null | undefined {
  const v = lookupReadCounted(c, key);
  if (v === undefined) return null;
  if (typeof v === 'number' || v.type !== 'stream') {
    c.error(ERR_WRONGTYPE);
    return undefined;
  }
  return v as Stream;
}

function writeStream(c: Client, key: string): Stream | null | undefined {
  const v = c.db.lookupWrite(key);
  if (v === undefined) return null;
  if (typeof v === 'number' || v.type !== 'stream') {
    c.error(ERR_WRONGTYPE);
    return undefined;
  }
  return v as Stream;
}

/** Whether the last parsed ID had its sequence given (false for `ms-*`). */
let seqGiven = true;

/**
 * streamGenericParseIDOrReply: `ms[-seq]`, `-`, `+` (not when strict); `ms-*` when allowStar.
 * c null: no reply on error.
 */
function parseID(
  c: Client | null,
  arg: string,
  missingSeqMax: boolean,
  strict: boolean,
  allowStar = false,
): StreamID | null {
  seqGiven = true;
  let s = arg;
  const nul = s.indexOf('\0');
  if (nul !== -1) s = s.slice(0, nul);
  if (arg.length > 127) return invalidID(c);
  if (s === '-' || s === '+') {
    if (strict) return invalidID(c);
    return s === '-' ? new StreamID() : MAX_ID();
  }
  const dash = s.indexOf('-');
  const ms = parseU64(dash === -1 ? s : s.slice(0, dash));
  if (ms === null) return invalidID(c);
  if (dash === -1) {
    return missingSeqMax
      ? new StreamID(ms[0], ms[1], 0xffffffff, 0xffffffff)
      : new StreamID(ms[0], ms[1], 0, 0);
  }
  const seqStr = s.slice(dash + 1);
  if (allowStar && seqStr === '*') {
    seqGiven = false;
    return new StreamID(ms[0], ms[1], 0, 0);
  }
  const seq = parseU64(seqStr);
  if (seq === null) return invalidID(c);
  return new StreamID(ms[0], ms[1], seq[0], seq[1]);
}

/** A name as C's %s prints it: up to the first NUL byte. */
function cstr(s: string): string {
  const i = s.indexOf('\0');
  return i === -1 ? s : s.slice(0, i);
}

function invalidID(c: Client | null): null {
  if (c !== null) c.error(ERR_INVALID_ID);
  return null;
}

let lastExclusive = false;

/** streamParseIntervalIDOrReply: an ID, or `(ID` (exclusive: lastExclusive set). */
function parseIntervalID(c: Client, arg: string, missingSeqMax: boolean): StreamID | null {
  lastExclusive = arg.length > 1 && arg.charCodeAt(0) === 40;
  if (lastExclusive) return parseID(c, arg.slice(1), missingSeqMax, true);
  return parseID(c, arg, missingSeqMax, false);
}

/** getLongLongFromObjectOrReply as a number (exact within 2^53, clamped beyond). */
function llArg(c: Client, s: string, err = ERR_NOT_INTEGER): number | null {
  const v = parseInt64(s);
  if (v === null) {
    c.error(err);
    return null;
  }
  return Number(v);
}

// ---- Replies ----------------------------------------------------------------------------------

/** One entry: [id, [field, value, ...]]. */
function replyEntry(c: Client, node: StreamNode, i: number): void {
  const out = c.out;
  out.array(2);
  out.bulk(idStringAt(node, i));
  const data = node.data;
  let p = node.off(i);
  if (node.flags[i] & FLAG_SAMEFIELDS) {
    const m = node.master;
    out.array(m.length * 2);
    if (m.length === 1) {
      // a lone value has no length prefix (see StreamNode)
      out.bulk(m[0]);
      out.bulkBytes(data, p, node.off(i + 1));
      return;
    }
    for (let k = 0; k < m.length; k++) {
      out.bulk(m[k]);
      const len = readVarint(data, p);
      p = POS[0];
      out.bulkBytes(data, p, p + len);
      p += len;
    }
  } else {
    const nf = readVarint(data, p);
    p = POS[0];
    out.array(nf * 2);
    for (let k = 0; k < nf * 2; k++) {
      const len = readVarint(data, p);
      p = POS[0];
      out.bulkBytes(data, p, p + len);
      p += len;
    }
  }
}

const CUR = new StreamCursor();

/** Emits the entry with exactly this ID (no array header); false when it does not exist. */
function replyOneEntry(c: Client, s: Stream, id: StreamID): boolean {
  if (!s.seekGE(id, CUR)) return false;
  const node = s.nodes[CUR.node];
  if (node.cmpAt(CUR.entry, id) !== 0) return false;
  replyEntry(c, node, CUR.entry);
  return true;
}

/** Plain range reply (no group): streamReplyWithRange without group. Returns entries emitted. */
function replyRange(
  c: Client,
  s: Stream,
  start: StreamID,
  end: StreamID,
  count: number,
  rev: boolean,
): number {
  const mark = c.out.deferLen();
  let n = 0;
  if (cmpID(start, end) <= 0) {
    const cur = CUR;
    let ok = rev ? s.seekLE(end, cur) : s.seekGE(start, cur);
    while (ok) {
      const node = s.nodes[cur.node];
      if (rev ? node.cmpAt(cur.entry, start) < 0 : node.cmpAt(cur.entry, end) > 0) break;
      replyEntry(c, node, cur.entry);
      n++;
      if (count !== 0 && n === count) break;
      ok = rev ? s.prev(cur) : s.next(cur);
    }
  }
  c.out.setDeferredArray(mark, n);
  return n;
}

/** propagate XCLAIM <key> <group> <consumer> 0 <id> TIME .. RETRYCOUNT .. FORCE JUSTID LASTID .. */
function propagateXclaim(c: Client, key: string, g: ConsumerGroup, id: string, nack: Nack): void {
  c.server.propagate(c.db.id, [
    'XCLAIM',
    key,
    g.name,
    nack.consumer === null ? '' : nack.consumer.name,
    '0',
    id,
    'TIME',
    String(nack.deliveryTime),
    'RETRYCOUNT',
    String(nack.deliveryCount),
    'FORCE',
    'JUSTID',
    'LASTID',
    g.lastId.toString(),
  ]);
}

function propagateGroupId(c: Client, key: string, g: ConsumerGroup): void {
  c.server.propagate(c.db.id, [
    'XGROUP',
    'SETID',
    key,
    g.name,
    g.lastId.toString(),
    'ENTRIESREAD',
    String(g.entriesRead),
  ]);
}

function createConsumer(c: Client, g: ConsumerGroup, name: string, key: string, db: Database): Consumer {
  const cons = g.createConsumer(name, c.server.cmdTime);
  c.server.dirty++;
  c.server.notifyKeyspaceEvent(NOTIFY_STREAM, 'xgroup-createconsumer', key, db.id);
  return cons;
}

/**
 * streamReplyWithRange with a group (XREADGROUP `>`): emits new entries after `start`
 * (exclusive), creating PEL entries (unless noack), advancing last-delivered-id and
 * entries-read, propagating XCLAIMs and XGROUP SETID.
 */
function replyGroupNew(
  c: Client,
  s: Stream,
  key: string,
  g: ConsumerGroup,
  consumer: Consumer,
  count: number,
  noack: boolean,
): number {
  const mark = c.out.deferLen();
  let n = 0;
  const start = g.lastId.copy();
  const cur = new StreamCursor();
  let ok = start.incr() && s.seekGE(start, cur);
  let propagateLast = false;
  const now = c.server.cmdTime;
  while (ok) {
    const node = s.nodes[cur.node];
    const id = idAt(node, cur.entry);
    if (cmpID(id, g.lastId) > 0) {
      if (g.entriesRead !== ENTRIES_READ_INVALID && !s.hasTombstonesFrom(id)) g.entriesRead++;
      else if (s.entriesAdded !== 0) g.entriesRead = s.estimateDistance(id);
      g.lastId = id;
      propagateLast = true;
    }
    replyEntry(c, node, cur.entry);
    if (!noack) {
      let nack = g.findNack(id);
      if (nack === undefined) {
        nack = g.addNack(id, consumer, now, 1);
      } else {
        g.assign(nack, consumer);
        nack.deliveryTime = now;
        nack.deliveryCount = 1;
      }
      propagateXclaim(c, key, g, id.toString(), nack);
    }
    n++;
    if (count !== 0 && n === count) break;
    ok = s.next(cur);
  }
  if (propagateLast) propagateGroupId(c, key, g);
  c.out.setDeferredArray(mark, n);
  return n;
}

/** streamReplyWithRangeFromConsumerPEL: the consumer's history from start on. */
function replyConsumerHistory(
  c: Client,
  s: Stream,
  consumer: Consumer,
  start: StreamID,
  count: number,
): void {
  const pel = consumer.pel;
  const arr = pel.arr;
  const mark = c.out.deferLen();
  let n = 0;
  const now = c.server.cmdTime;
  let last: Nack | null = null;
  for (let i = pel.lowerBound(start); i < arr.length && (count === 0 || n < count); i++) {
    const nack = arr[i];
    if (!pel.valid(nack) || nack === last) continue;
    last = nack;
    if (replyOneEntry(c, s, nack.id)) {
      nack.deliveryTime = now;
      nack.deliveryCount++;
    } else {
      c.out.array(2);
      c.out.bulk(nack.id.toString());
      c.out.nullArray();
    }
    n++;
  }
  c.out.setDeferredArray(mark, n);
}

// ---- XADD / XTRIM ---------------------------------------------------------------------------------

interface TrimArgs {
  /** 0 none, 1 MAXLEN, 2 MINID. */
  strategy: number;
  argIdx: number;
  approx: boolean;
  limit: number;
  maxlen: number;
  minid: StreamID | null;
  noMkstream: boolean;
  id: StreamID | null;
  seqGiven: boolean;
}

/** streamParseAddOrTrimArgsOrReply: returns the index of the ID (XADD) or -1 after an error. */
function parseAddTrim(c: Client, argv: string[], xadd: boolean, a: TrimArgs): number {
  let i = 2;
  let limitGiven = false;
  for (; i < argv.length; i++) {
    const more = argv.length - 1 - i;
    const opt = argv[i];
    if (xadd && opt === '*') break;
    const lower = opt.length <= 10 ? opt.toLowerCase() : '';
    if ((lower === 'maxlen' || lower === 'minid') && more > 0) {
      if (a.strategy !== 0) {
        c.error('ERR syntax error, MAXLEN and MINID options at the same time are not compatible');
        return -1;
      }
      a.approx = false;
      const next = argv[i + 1];
      if (more >= 2 && next === '~') {
        a.approx = true;
        i++;
      } else if (more >= 2 && next === '=') {
        i++;
      }
      if (lower === 'maxlen') {
        const v = llArg(c, argv[i + 1]);
        if (v === null) return -1;
        if (v < 0) {
          c.error('ERR The MAXLEN argument must be >= 0.');
          return -1;
        }
        a.maxlen = v;
        a.strategy = 1;
      } else {
        const id = parseID(c, argv[i + 1], false, true);
        if (id === null) return -1;
        a.minid = id;
        a.strategy = 2;
      }
      i++;
      a.argIdx = i;
    } else if (lower === 'limit' && more > 0) {
      const v = llArg(c, argv[i + 1]);
      if (v === null) return -1;
      if (v < 0) {
        c.error('ERR The LIMIT argument must be >= 0.');
        return -1;
      }
      a.limit = v;
      limitGiven = true;
      i++;
    } else if (xadd && lower === 'nomkstream') {
      a.noMkstream = true;
    } else if (xadd) {
      const id = parseID(c, opt, false, true, true);
      if (id === null) return -1;
      a.id = id;
      a.seqGiven = seqGiven;
      break;
    } else {
      c.error(ERR_SYNTAX);
      return -1;
    }
  }
  if (a.limit && a.strategy === 0) {
    c.error('ERR syntax error, LIMIT cannot be used without specifying a trimming strategy');
    return -1;
  }
  if (!xadd && a.strategy === 0) {
    c.error('ERR syntax error, XTRIM must be called with a trimming strategy');
    return -1;
  }
  if (limitGiven) {
    if (!a.approx) {
      c.error('ERR syntax error, LIMIT cannot be used without the special ~ option');
      return -1;
    }
  } else if (a.approx) {
    let l = 100 * c.server.config.num('stream-node-max-entries');
    if (l <= 0 || l > 10000) l = 10000;
    a.limit = l;
  } else {
    a.limit = 0;
  }
  return i;
}

function newTrimArgs(): TrimArgs {
  return {
    strategy: 0,
    argIdx: 0,
    approx: false,
    limit: 0,
    maxlen: 0,
    minid: null,
    noMkstream: false,
    id: null,
    seqGiven: true,
  };
}

function resetTrimArgs(a: TrimArgs): TrimArgs {
  a.strategy = 0;
  a.argIdx = 0;
  a.approx = false;
  a.limit = 0;
  a.maxlen = 0;
  a.minid = null;
  a.noMkstream = false;
  a.id = null;
  a.seqGiven = true;
  return a;
}

function doTrim(s: Stream, a: TrimArgs): number {
  return s.trim(a.strategy === 1 ? a.maxlen : -1, a.strategy === 2 ? a.minid : null, a.approx, a.limit);
}

/** Rewrites `~` to `=` and the trim argument to its exact effect (for propagation). */
function rewriteTrim(argv: string[], s: Stream, a: TrimArgs): void {
  argv[a.argIdx - 1] = '=';
  if (a.strategy === 1) argv[a.argIdx] = String(s.length);
  else argv[a.argIdx] = (s.firstLiveId() ?? new StreamID()).toString();
}

/** XADD's argument state, reused across calls (handlers never nest). */
const XADD_ARGS = newTrimArgs();
/** Scratch for the new entry's ID (append copies it). */
const NEW_ID = new StreamID();

function xaddCommand(c: Client, argv: string[]): void {
  const a = resetTrimArgs(XADD_ARGS);
  const idpos = parseAddTrim(c, argv, true, a);
  if (idpos < 0) return;
  const fieldPos = idpos + 1;
  const nfv = argv.length - fieldPos;
  if (nfv < 2 || nfv % 2 === 1) {
    c.error("ERR wrong number of arguments for 'xadd' command");
    return;
  }
  if (a.id !== null && a.seqGiven && a.id.isZero()) {
    c.error('ERR The ID specified in XADD must be greater than 0-0');
    return;
  }
  const key = argv[1];
  const db = c.db;
  let s = writeStream(c, key);
  if (s === undefined) return;
  if (s === null) {
    if (a.noMkstream) {
      c.out.nullBulk();
      return;
    }
    s = new Stream();
    db.add(key, s);
  }
  const last = s.lastId;
  if (last.isMax()) {
    c.error('ERR The stream has exhausted the last possible ID, unable to add more items');
    return;
  }
  // The new ID (streamAppendItem).
  const id = NEW_ID;
  if (a.id !== null) {
    if (!a.seqGiven && a.id.msH === last.msH && a.id.msL === last.msL) {
      if (last.sH === 0xffffffff && last.sL === 0xffffffff) return replyIdTooSmall(c);
      id.set(last);
      id.incr();
    } else id.set(a.id);
  } else {
    const ms = c.server.cmdTime;
    const msH = Math.floor(ms / 4294967296);
    const msL = ms >>> 0;
    if (msH > last.msH || (msH === last.msH && msL > last.msL)) {
      id.msH = msH;
      id.msL = msL;
      id.sH = id.sL = 0;
    } else {
      id.set(last);
      id.incr();
    }
  }
  if (cmpID(id, last) <= 0) return replyIdTooSmall(c);
  let tot = 0;
  for (let i = fieldPos; i < argv.length; i++) tot += argv[i].length;
  if (tot > 1 << 30) {
    c.error('ERR Elements are too large to be stored');
    return;
  }
  const lim = nodeLimits(c);
  s.append(id, argv, fieldPos, lim.maxBytes, lim.maxEntries);
  const idStr = replyNewId(c, id);
  c.server.keyModified(db, key, NOTIFY_STREAM, 'xadd');
  // Propagated with the generated ID and exact trimming, rewritten in place as Redis does.
  if (a.strategy !== 0) {
    if (doTrim(s, a)) c.server.notifyKeyspaceEvent(NOTIFY_STREAM, 'xtrim', key, db.id);
    if (a.approx) rewriteTrim(argv, s, a);
  }
  if (a.id === null || !a.seqGiven) argv[idpos] = idStr;
  c.server.propagate(db.id, argv);
  c.server.blocking.signalKeyAsReady(db, key);
}

/**
 * The reply bytes of the last generated ID: `ms-` stays in ID_BYTES (and ID_PREFIX) while the
 * ms part does not change, so an XADD formats only its sequence number, and the reply is
 * copied from bytes rather than from a concatenated string (which would need flattening).
 */
const ID_BYTES = Buffer.alloc(64);
let idMsH = -1;
let idMsL = -1;
let idPrefix = '';

/** Sequence numbers as text, for the ones an XADD `*` makes within one millisecond. */
const SEQ_TEXT: string[] = [];
for (let i = 0; i < 1024; i++) SEQ_TEXT.push(String(i));

/** Replies the new entry's ID as a bulk string; returns it as text (for propagation). */
function replyNewId(c: Client, id: StreamID): string {
  // Exact in a double: ms below 2^53 (always, for a clock), seq below 2^32.
  if (id.msH >= 0x200000 || id.sH !== 0) {
    const str = id.toString();
    c.out.bulk(str);
    return str;
  }
  if (id.msL !== idMsL || id.msH !== idMsH) {
    idPrefix = String(id.msH * 4294967296 + id.msL) + '-';
    ID_BYTES.latin1Write(idPrefix, 0);
    idMsH = id.msH;
    idMsL = id.msL;
  }
  const seq = id.sL < SEQ_TEXT.length ? SEQ_TEXT[id.sL] : String(id.sL);
  let p = idPrefix.length;
  for (let i = 0; i < seq.length; i++) ID_BYTES[p++] = seq.charCodeAt(i);
  c.out.bulkBytes(ID_BYTES, 0, p);
  return idPrefix + seq;
}

interface NodeLimits {
  maxBytes: number;
  maxEntries: number;
}

const NODE_LIMITS = new WeakMap<object, NodeLimits>();

/** The last server's limits (tests run several servers in one process). */
let lastCfg: object | null = null;
let lastLimits: NodeLimits | null = null;

/** stream-node-max-bytes / -entries, cached per server and refreshed on CONFIG SET. */
function nodeLimits(c: Client): NodeLimits {
  const cfg = c.server.config;
  if (cfg === lastCfg) return lastLimits!;
  let l = NODE_LIMITS.get(cfg);
  if (l === undefined) {
    const lim: NodeLimits = {
      maxBytes: cfg.num('stream-node-max-bytes'),
      maxEntries: cfg.num('stream-node-max-entries'),
    };
    cfg.onChange('stream-node-max-bytes', (v) => void (lim.maxBytes = Number(v)));
    cfg.onChange('stream-node-max-entries', (v) => void (lim.maxEntries = Number(v)));
    NODE_LIMITS.set(cfg, lim);
    l = lim;
  }
  lastCfg = cfg;
  lastLimits = l;
  return l;
}

function replyIdTooSmall(c: Client): void {
  c.error('ERR The ID specified in XADD is equal or smaller than the target stream top item');
}

function xtrimCommand(c: Client, argv: string[]): void {
  const a = newTrimArgs();
  if (parseAddTrim(c, argv, false, a) < 0) return;
  const s = writeStream(c, argv[1]);
  if (s === undefined) return;
  if (s === null) {
    c.out.integer(0);
    return;
  }
  const deleted = doTrim(s, a);
  if (deleted) {
    c.server.notifyKeyspaceEvent(NOTIFY_STREAM, 'xtrim', argv[1], c.db.id);
    c.server.signalModifiedKey(c.db, argv[1]);
    c.server.dirty += deleted;
    if (a.approx) rewriteTrim(argv, s, a);
    c.server.propagate(c.db.id, argv);
  }
  c.out.integer(deleted);
}

// ---- XLEN / XRANGE / XREVRANGE / XDEL / XSETID ---------------------------------------------------------

function xlenCommand(c: Client, argv: string[]): void {
  const s = readStream(c, argv[1]);
  if (s === undefined) return;
  c.out.integer(s === null ? 0 : s.length);
}

function xrangeGeneric(c: Client, argv: string[], rev: boolean): void {
  const start = parseIntervalID(c, rev ? argv[3] : argv[2], false);
  if (start === null) return;
  if (lastExclusive && !start.incr()) {
    c.error('ERR invalid start ID for the interval');
    return;
  }
  const end = parseIntervalID(c, rev ? argv[2] : argv[3], true);
  if (end === null) return;
  if (lastExclusive && !end.decr()) {
    c.error('ERR invalid end ID for the interval');
    return;
  }
  let count = -1;
  for (let j = 4; j < argv.length; j++) {
    if (eq(argv[j], 'count') && argv.length - j - 1 >= 1) {
      const v = llArg(c, argv[j + 1]);
      if (v === null) return;
      count = v < 0 ? 0 : v;
      j++;
    } else {
      c.error(ERR_SYNTAX);
      return;
    }
  }
  const s = readStream(c, argv[1]);
  if (s === undefined) return;
  if (s === null) {
    c.out.array(0);
    return;
  }
  if (count === 0) {
    c.out.nullArray();
    return;
  }
  replyRange(c, s, start, end, count === -1 ? 0 : count, rev);
}

function xrangeCommand(c: Client, argv: string[]): void {
  xrangeGeneric(c, argv, false);
}

function xrevrangeCommand(c: Client, argv: string[]): void {
  xrangeGeneric(c, argv, true);
}

/** The strict IDs argv[from..] (XDEL, XACK); null after replying with the error of the first bad one. */
function parseIDList(c: Client, argv: string[], from: number): StreamID[] | null {
  const ids: StreamID[] = [];
  for (let j = from; j < argv.length; j++) {
    const id = parseID(c, argv[j], false, true);
    if (id === null) return null;
    ids.push(id);
  }
  return ids;
}

function xdelCommand(c: Client, argv: string[]): void {
  const s = writeStream(c, argv[1]);
  if (s === undefined) return;
  if (s === null) {
    c.out.integer(0);
    return;
  }
  const ids = parseIDList(c, argv, 2);
  if (ids === null) return;
  let deleted = 0;
  let firstEntry = false;
  for (const id of ids) {
    if (s.delete(id)) {
      if (cmpID(id, s.firstId) === 0) firstEntry = true;
      if (cmpID(id, s.maxDeletedId) > 0) s.maxDeletedId = id.copy();
      deleted++;
    }
  }
  if (deleted) {
    if (s.length === 0) s.firstId = new StreamID();
    else if (firstEntry) s.firstId = s.firstLiveId()!;
    c.server.signalModifiedKey(c.db, argv[1]);
    c.server.notifyKeyspaceEvent(NOTIFY_STREAM, 'xdel', argv[1], c.db.id);
    c.server.dirty += deleted;
    c.server.propagate(c.db.id, argv);
  }
  c.out.integer(deleted);
}

function xsetidCommand(c: Client, argv: string[]): void {
  const id = parseID(c, argv[2], false, true);
  if (id === null) return;
  let entriesAdded = -1;
  let maxXdel = new StreamID();
  for (let i = 3; i < argv.length;) {
    const more = argv.length - 1 - i;
    if (eq(argv[i], 'entriesadded') && more) {
      const v = llArg(c, argv[i + 1]);
      if (v === null) return;
      if (v < 0) {
        c.error('ERR entries_added must be positive');
        return;
      }
      entriesAdded = v;
      i += 2;
    } else if (eq(argv[i], 'maxdeletedid') && more) {
      const m = parseID(c, argv[i + 1], false, true);
      if (m === null) return;
      if (cmpID(id, m) < 0) {
        c.error('ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id');
        return;
      }
      maxXdel = m;
      i += 2;
    } else {
      c.error(ERR_SYNTAX);
      return;
    }
  }
  const s = writeStream(c, argv[1]);
  if (s === undefined) return;
  if (s === null) {
    c.error(ERR_NO_SUCH_KEY);
    return;
  }
  if (cmpID(id, s.maxDeletedId) < 0) {
    c.error('ERR The ID specified in XSETID is smaller than current max_deleted_entry_id');
    return;
  }
  if (s.length > 0) {
    const maxid = s.lastLiveId()!;
    if (cmpID(id, maxid) < 0) {
      c.error('ERR The ID specified in XSETID is smaller than the target stream top item');
      return;
    }
    if (entriesAdded !== -1 && s.length > entriesAdded) {
      c.error('ERR The entries_added specified in XSETID is smaller than the target stream length');
      return;
    }
  }
  s.lastId = id;
  if (entriesAdded !== -1) s.entriesAdded = entriesAdded;
  if (!maxXdel.isZero()) s.maxDeletedId = maxXdel;
  c.out.ok();
  c.server.keyModified(c.db, argv[1], NOTIFY_STREAM, 'xsetid');
  c.server.propagate(c.db.id, argv);
}

// ---- XREAD / XREADGROUP ---------------------------------------------------------------------------

/** What a blocked XREAD/XREADGROUP needs when a key becomes ready. */
interface XreadWait {
  keys: string[];
  /** Per key: entries must be greater than this (unused for groups: `>` follows the group). */
  ids: StreamID[];
  count: number;
  group: string | null;
  consumer: string;
  noack: boolean;
}

const XREAD_BLOCK: BlockHandler = {
  type: 'stream',
  serve(c: Client, db: Database, key: string, arg: unknown): boolean {
    const w = arg as XreadWait;
    const s = db.dict.get(key) as Stream;
    const ki = w.keys.indexOf(key);
    let gt = w.ids[ki];
    let g: ConsumerGroup | undefined;
    if (w.group !== null) {
      if (db.snapshot !== null) db.snapshot.beforeWrite(db, key);
      g = s.lookupGroup(w.group);
      if (g === undefined) {
        c.error('NOGROUP the consumer group this client was blocked on no longer exists');
        return true;
      }
      gt = g.lastId;
    }
    if (cmpID(s.lastId, gt) <= 0) return false;
    let consumer: Consumer | null = null;
    if (g !== undefined) {
      consumer = g.consumers.get(w.consumer) ?? createConsumer(c, g, w.consumer, key, db);
      consumer.seenTime = c.server.cmdTime;
    }
    if (c.proto === 2) {
      c.out.array(1);
      c.out.array(2);
    } else c.out.map(1);
    c.out.bulk(key);
    if (g !== undefined) {
      replyGroupNew(c, s, key, g, consumer!, w.count, w.noack);
    } else {
      const start = gt.copy();
      start.incr();
      replyRange(c, s, start, MAX_ID(), w.count, false);
    }
    return true;
  },
  keyGone(c: Client, _db: Database, _key: string, arg: unknown): boolean {
    if ((arg as XreadWait).group === null) return false;
    c.error('UNBLOCKED the stream key no longer exists');
    return true;
  },
};

function xreadGeneric(c: Client, argv: string[], xreadgroup: boolean): void {
  let timeout = -1;
  let count = 0;
  let streamsArg = 0;
  let nstreams = 0;
  let group: string | null = null;
  let consumerName = '';
  let noack = false;
  for (let i = 1; i < argv.length; i++) {
    const more = argv.length - i - 1;
    const o = argv[i];
    if (eq(o, 'block') && more) {
      i++;
      const t = parseTimeout(c, argv[i], false);
      if (t === null) return;
      timeout = t;
    } else if (eq(o, 'count') && more) {
      i++;
      const v = llArg(c, argv[i]);
      if (v === null) return;
      count = v < 0 ? 0 : v;
    } else if (eq(o, 'streams') && more) {
      streamsArg = i + 1;
      nstreams = argv.length - streamsArg;
      if (nstreams % 2 !== 0) {
        const sym = xreadgroup ? '>' : '$';
        c.error(
          `ERR Unbalanced ${argv[0]} list of streams: for each stream key an ID or '${sym}' must be specified.`,
        );
        return;
      }
      nstreams /= 2;
      break;
    } else if (eq(o, 'group') && more >= 2) {
      if (!xreadgroup) {
        c.error('ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.');
        return;
      }
      group = argv[i + 1];
      consumerName = argv[i + 2];
      i += 2;
    } else if (eq(o, 'noack')) {
      if (!xreadgroup) {
        c.error('ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.');
        return;
      }
      noack = true;
    } else {
      c.error(ERR_SYNTAX);
      return;
    }
  }
  if (streamsArg === 0) {
    c.error(ERR_SYNTAX);
    return;
  }
  if (xreadgroup && group === null) {
    c.error('ERR Missing GROUP option for XREADGROUP');
    return;
  }
  const db = c.db;
  const ids: StreamID[] = new Array(nstreams);
  const groups: ConsumerGroup[] = [];
  const keys = argv.slice(streamsArg, streamsArg + nstreams);
  for (let k = 0; k < nstreams; k++) {
    const key = keys[k];
    const idArg = argv[streamsArg + nstreams + k];
    const s = readStream(c, key);
    if (s === undefined) return;
    if (group !== null) {
      const g = s === null ? undefined : s.lookupGroup(group);
      if (g === undefined) {
        c.error(
          `NOGROUP No such key '${cstr(key)}' or consumer group '${cstr(group)}' in XREADGROUP with GROUP option`,
        );
        return;
      }
      groups.push(g);
    }
    if (idArg === '$') {
      if (xreadgroup) {
        c.error(
          'ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.',
        );
        return;
      }
      ids[k] = s === null ? new StreamID() : s.lastId.copy();
      continue;
    }
    if (idArg === '>') {
      if (!xreadgroup) {
        c.error(
          'ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.',
        );
        return;
      }
      ids[k] = MAX_ID();
      continue;
    }
    const id = parseID(c, idArg, false, true);
    if (id === null) return;
    ids[k] = id;
  }
  // Serve synchronously what can be.
  let mark = -1;
  let served = 0;
  for (let k = 0; k < nstreams; k++) {
    const key = keys[k];
    const v = lookupReadCounted(c, key);
    if (v === undefined) continue;
    const s = v as Stream;
    const gt = ids[k];
    let serveSync = false;
    let history = false;
    let consumer: Consumer | null = null;
    if (group !== null) {
      const g = groups[k];
      if (!gt.isMax()) {
        serveSync = true;
        history = true;
      } else if (s.length) {
        const maxid = s.lastLiveId()!;
        if (cmpID(maxid, g.lastId) > 0) serveSync = true;
      }
    } else if (s.length) {
      const maxid = s.lastLiveId()!;
      if (cmpID(maxid, gt) > 0) serveSync = true;
    }
    if (!serveSync) continue;
    if (group !== null) {
      // Redis 7.0 creates the consumer only when it serves it.
      const g = groups[k];
      // Group state changes on a read lookup: a running BGSAVE must keep the old value.
      if (db.snapshot !== null) db.snapshot.beforeWrite(db, key);
      consumer = g.consumers.get(consumerName) ?? createConsumer(c, g, consumerName, key, db);
      consumer.seenTime = c.server.cmdTime;
    }
    if (served++ === 0) mark = c.out.deferLen();
    if (c.proto === 2) c.out.array(2);
    c.out.bulk(key);
    if (group !== null) {
      const g = groups[k];
      if (history) {
        const start = gt.copy();
        start.incr();
        replyConsumerHistory(c, s, consumer!, start, count);
      } else replyGroupNew(c, s, key, g, consumer!, count, noack);
      c.server.dirty++;
    } else {
      const start = gt.copy();
      start.incr();
      replyRange(c, s, start, MAX_ID(), count, false);
    }
  }
  if (served !== 0) {
    if (c.proto === 2) c.out.setDeferredArray(mark, served);
    else c.out.setDeferredMap(mark, served);
    return;
  }
  if (timeout !== -1) {
    if (!mayBlock(c)) {
      c.out.nullArray();
      return;
    }
    const w: XreadWait = {
      keys,
      ids,
      count: count || XREAD_BLOCKED_DEFAULT_COUNT,
      group,
      consumer: consumerName,
      noack,
    };
    c.server.blocking.blockForKeys(c, keys, timeout, XREAD_BLOCK, w);
    return;
  }
  c.out.nullArray();
}

function xreadCommand(c: Client, argv: string[]): void {
  xreadGeneric(c, argv, false);
}

function xreadgroupCommand(c: Client, argv: string[]): void {
  xreadGeneric(c, argv, true);
}

// ---- XGROUP -------------------------------------------------------------------------------------

const XGROUP_HELP = [
  'CREATE <key> <groupname> <id|$> [option]',
  '    Create a new consumer group. Options are:',
  '    * MKSTREAM',
  '      Create the empty stream if it does not exist.',
  '    * ENTRIESREAD entries_read',
  "      Set the group's entries_read counter (internal use).",
  'CREATECONSUMER <key> <groupname> <consumer>',
  '    Create a new consumer in the specified group.',
  'DELCONSUMER <key> <groupname> <consumer>',
  '    Remove the specified consumer.',
  'DESTROY <key> <groupname>',
  '    Remove the specified group.',
  'SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]',
  '    Set the current group ID and entries_read counter.',
];

const XINFO_HELP = [
  'CONSUMERS <key> <groupname>',
  '    Show consumers of <groupname>.',
  'GROUPS <key>',
  '    Show the stream consumer groups.',
  'STREAM <key> [FULL [COUNT <count>]',
  '    Show information about the stream.',
];

function replyHelp(c: Client, name: string, lines: string[]): void {
  c.out.array(lines.length + 3);
  c.out.status(`${name} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`);
  for (const l of lines) c.out.status(l);
  c.out.status('HELP');
  c.out.status('    Prints this help.');
}

function subcommandSyntaxError(c: Client, argv: string[]): void {
  c.error(
    `ERR unknown subcommand or wrong number of arguments for '${argv[1].slice(0, 128)}'. Try ${argv[0].toUpperCase()} HELP.`,
  );
}

function parseEntriesRead(c: Client, argv: string[]): number | null | undefined {
  let er = ENTRIES_READ_INVALID;
  let mk = false;
  const create = eq(argv[1], 'create');
  for (let i = 5; i < argv.length;) {
    if (create && eq(argv[i], 'mkstream')) {
      mk = true;
      i++;
    } else if (eq(argv[i], 'entriesread') && i + 1 < argv.length) {
      const v = llArg(c, argv[i + 1]);
      if (v === null) return undefined;
      if (v < 0 && v !== ENTRIES_READ_INVALID) {
        c.error('ERR value for ENTRIESREAD must be positive or -1');
        return undefined;
      }
      er = v;
      i += 2;
    } else {
      subcommandSyntaxError(c, argv);
      return undefined;
    }
  }
  mkstreamGiven = mk;
  return er;
}

let mkstreamGiven = false;

/** The common part of XGROUP subcommands: the stream and group, or null after replying. */
function xgroupPrologue(
  c: Client,
  argv: string[],
  needGroup: boolean,
): { s: Stream | null; g: ConsumerGroup | undefined; er: number } | null {
  mkstreamGiven = false;
  let er = ENTRIES_READ_INVALID;
  const sub = argv[1].toLowerCase();
  if (sub === 'create' || sub === 'setid') {
    const v = parseEntriesRead(c, argv);
    if (v === undefined || v === null) return null;
    er = v;
  }
  const s = writeStream(c, argv[2]);
  if (s === undefined) return null;
  if (s === null && !(sub === 'create' && mkstreamGiven)) {
    c.error(
      'ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.',
    );
    return null;
  }
  const g = s === null ? undefined : s.lookupGroup(argv[3]);
  if (g === undefined && needGroup) {
    c.error(`NOGROUP No such consumer group '${cstr(argv[3])}' for key name '${cstr(argv[2])}'`);
    return null;
  }
  return { s, g, er };
}

function xgroupCreateCommand(c: Client, argv: string[]): void {
  if (argv.length > 8) {
    // still parse options first as Redis does
  }
  const p = xgroupPrologue(c, argv, false);
  if (p === null) return;
  if (argv.length > 8) {
    subcommandSyntaxError(c, argv);
    return;
  }
  let s = p.s;
  let id: StreamID;
  if (argv[4] === '$') id = s === null ? new StreamID() : s.lastId.copy();
  else {
    const v = parseID(c, argv[4], false, true);
    if (v === null) return;
    id = v;
  }
  const key = argv[2];
  if (s === null) {
    s = new Stream();
    c.db.add(key, s);
    c.server.signalModifiedKey(c.db, key);
  }
  const g = s.createGroup(argv[3], id, p.er);
  if (g !== null) {
    c.out.ok();
    c.server.dirty++;
    c.server.notifyKeyspaceEvent(NOTIFY_STREAM, 'xgroup-create', key, c.db.id);
    c.server.propagate(c.db.id, argv);
  } else {
    c.error('BUSYGROUP Consumer Group name already exists');
  }
}

function xgroupSetidCommand(c: Client, argv: string[]): void {
  const p = xgroupPrologue(c, argv, true);
  if (p === null) return;
  if (argv.length !== 5 && argv.length !== 7) {
    subcommandSyntaxError(c, argv);
    return;
  }
  const s = p.s!;
  const g = p.g!;
  let id: StreamID;
  if (argv[4] === '$') id = s.lastId.copy();
  else {
    const v = parseID(c, argv[4], false, false);
    if (v === null) return;
    id = v;
  }
  g.lastId = id;
  g.entriesRead = p.er;
  c.out.ok();
  c.server.dirty++;
  c.server.notifyKeyspaceEvent(NOTIFY_STREAM, 'xgroup-setid', argv[2], c.db.id);
  c.server.propagate(c.db.id, argv);
}

function xgroupDestroyCommand(c: Client, argv: string[]): void {
  const p = xgroupPrologue(c, argv, false);
  if (p === null) return;
  if (p.g !== undefined) {
    p.s!.groups!.delete(argv[3]);
    c.out.integer(1);
    c.server.dirty++;
    c.server.notifyKeyspaceEvent(NOTIFY_STREAM, 'xgroup-destroy', argv[2], c.db.id);
    c.server.propagate(c.db.id, argv);
    // XREADGROUP clients blocked on this group get -NOGROUP.
    c.server.blocking.signalKeyAsReady(c.db, argv[2]);
  } else {
    c.out.integer(0);
  }
}

function xgroupCreateconsumerCommand(c: Client, argv: string[]): void {
  const p = xgroupPrologue(c, argv, true);
  if (p === null) return;
  const g = p.g!;
  if (g.consumers.has(argv[4])) {
    c.out.integer(0);
    return;
  }
  createConsumer(c, g, argv[4], argv[2], c.db);
  c.out.integer(1);
  c.server.propagate(c.db.id, argv);
}

function xgroupDelconsumerCommand(c: Client, argv: string[]): void {
  const p = xgroupPrologue(c, argv, true);
  if (p === null) return;
  const g = p.g!;
  const cons = g.consumers.get(argv[4]);
  if (cons === undefined) {
    c.out.integer(0);
    return;
  }
  const pending = g.deleteConsumer(cons);
  c.out.integer(pending);
  c.server.dirty++;
  c.server.notifyKeyspaceEvent(NOTIFY_STREAM, 'xgroup-delconsumer', argv[2], c.db.id);
  c.server.propagate(c.db.id, argv);
}

// ---- XACK / XPENDING / XCLAIM / XAUTOCLAIM ------------------------------------------------------------

function xackCommand(c: Client, argv: string[]): void {
  const s = readStream(c, argv[1]);
  if (s === undefined) return;
  const g = s === null ? undefined : s.lookupGroup(argv[2]);
  if (g === undefined) {
    c.out.integer(0);
    return;
  }
  const ids = parseIDList(c, argv, 3);
  if (ids === null) return;
  let acked = 0;
  for (const id of ids) {
    const n = g.findNack(id);
    if (n !== undefined) {
      g.dropNack(n);
      acked++;
      c.server.dirty++;
    }
  }
  if (acked) c.server.propagate(c.db.id, argv);
  c.out.integer(acked);
}

function xpendingCommand(c: Client, argv: string[]): void {
  const justinfo = argv.length === 3;
  const key = argv[1];
  const groupName = argv[2];
  if (argv.length !== 3 && (argv.length < 6 || argv.length > 9)) {
    c.error(ERR_SYNTAX);
    return;
  }
  let start = new StreamID();
  let end = MAX_ID();
  let count = 0;
  let minidle = 0;
  let consumerName: string | null = null;
  if (argv.length >= 6) {
    let si = 3;
    if (eq(argv[3], 'idle')) {
      const v = llArg(c, argv[4]);
      if (v === null) return;
      minidle = v;
      if (argv.length < 8) {
        c.error(ERR_SYNTAX);
        return;
      }
      si += 2;
    }
    const cnt = llArg(c, argv[si + 2]);
    if (cnt === null) return;
    count = cnt < 0 ? 0 : cnt;
    const st = parseIntervalID(c, argv[si], false);
    if (st === null) return;
    if (lastExclusive && !st.incr()) {
      c.error('ERR invalid start ID for the interval');
      return;
    }
    const en = parseIntervalID(c, argv[si + 1], true);
    if (en === null) return;
    if (lastExclusive && !en.decr()) {
      c.error('ERR invalid end ID for the interval');
      return;
    }
    start = st;
    end = en;
    if (si + 3 < argv.length) consumerName = argv[si + 3];
  }
  const s = readStream(c, key);
  if (s === undefined) return;
  const g = s === null ? undefined : s.lookupGroup(groupName);
  if (g === undefined) {
    c.error(`NOGROUP No such key '${cstr(key)}' or consumer group '${cstr(groupName)}'`);
    return;
  }
  const out = c.out;
  if (justinfo) {
    out.array(4);
    out.integer(g.pel.size);
    if (g.pel.size === 0) {
      out.nullBulk();
      out.nullBulk();
      out.nullArray();
      return;
    }
    out.bulk(g.pel.first()!.id.toString());
    out.bulk(g.pel.last()!.id.toString());
    const mark = out.deferLen();
    let n = 0;
    for (const cons of g.sortedConsumers()) {
      if (cons.pel.size === 0) continue;
      out.array(2);
      out.bulk(cons.name);
      out.bulk(String(cons.pel.size));
      n++;
    }
    out.setDeferredArray(mark, n);
    return;
  }
  let pel = g.pel;
  if (consumerName !== null) {
    const cons = g.consumers.get(consumerName);
    if (cons === undefined) {
      out.array(0);
      return;
    }
    pel = cons.pel;
  }
  const now = c.server.cmdTime;
  const mark = out.deferLen();
  let n = 0;
  const arr = pel.arr;
  let prev: Nack | null = null;
  for (let i = pel.lowerBound(start); count && i < arr.length; i++) {
    const nack = arr[i];
    if (!pel.valid(nack) || nack === prev) continue;
    prev = nack;
    if (cmpID(nack.id, end) > 0) break;
    if (minidle) {
      if (now - nack.deliveryTime < minidle) continue;
    }
    n++;
    count--;
    out.array(4);
    out.bulk(nack.id.toString());
    out.bulk(nack.consumer!.name);
    const el = now - nack.deliveryTime;
    out.integer(el < 0 ? 0 : el);
    out.integer(nack.deliveryCount);
  }
  out.setDeferredArray(mark, n);
}

function xclaimCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  const s = readStream(c, key);
  if (s === undefined) return;
  const g = s === null ? undefined : s.lookupGroup(argv[2]);
  if (s === null || g === undefined) {
    c.error(`NOGROUP No such key '${cstr(key)}' or consumer group '${cstr(argv[2])}'`);
    return;
  }
  let minidle = llArg(c, argv[4], 'ERR Invalid min-idle-time argument for XCLAIM');
  if (minidle === null) return;
  if (minidle < 0) minidle = 0;
  const ids: StreamID[] = [];
  let j = 5;
  for (; j < argv.length; j++) {
    const id = parseID(null, argv[j], false, true);
    if (id === null) break;
    ids.push(id);
  }
  const lastIdArg = j - 1;
  const now = c.server.cmdTime;
  let retrycount = -1;
  let deliverytime = -1;
  let force = false;
  let justid = false;
  let lastId = new StreamID();
  let propagateLastId = false;
  for (; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    const opt = argv[j];
    if (eq(opt, 'force')) force = true;
    else if (eq(opt, 'justid')) justid = true;
    else if (eq(opt, 'idle') && more) {
      j++;
      const v = llArg(c, argv[j], 'ERR Invalid IDLE option argument for XCLAIM');
      if (v === null) return;
      deliverytime = now - v;
    } else if (eq(opt, 'time') && more) {
      j++;
      const v = llArg(c, argv[j], 'ERR Invalid TIME option argument for XCLAIM');
      if (v === null) return;
      deliverytime = v;
    } else if (eq(opt, 'retrycount') && more) {
      j++;
      const v = llArg(c, argv[j], 'ERR Invalid RETRYCOUNT option argument for XCLAIM');
      if (v === null) return;
      retrycount = v;
    } else if (eq(opt, 'lastid') && more) {
      j++;
      const v = parseID(c, argv[j], false, true);
      if (v === null) return;
      lastId = v;
    } else {
      c.error(`ERR Unrecognized XCLAIM option '${cstr(opt)}'`);
      return;
    }
  }
  if (cmpID(lastId, g.lastId) > 0) {
    g.lastId = lastId;
    propagateLastId = true;
  }
  if (deliverytime !== -1) {
    if (deliverytime < 0 || deliverytime > now) deliverytime = now;
  } else deliverytime = now;
  let consumer: Consumer | null = null;
  const out = c.out;
  const mark = out.deferLen();
  let n = 0;
  for (let k = 5; k <= lastIdArg; k++) {
    const id = ids[k - 5];
    let nack = g.findNack(id);
    if (!s.has(id)) {
      if (nack !== undefined) {
        propagateXclaim(c, key, g, argv[k], nack);
        propagateLastId = false;
        c.server.dirty++;
        g.dropNack(nack);
      }
      continue;
    }
    if (force && nack === undefined) nack = g.addNack(id, null, now, 1);
    if (nack === undefined) continue;
    if (nack.consumer !== null && minidle) {
      if (now - nack.deliveryTime < minidle) continue;
    }
    consumer ??= g.consumers.get(argv[3]) ?? null;
    if (consumer === null) consumer = createConsumer(c, g, argv[3], key, c.db);
    else consumer.seenTime = now;
    nack.deliveryTime = deliverytime;
    if (retrycount >= 0) nack.deliveryCount = retrycount;
    else if (!justid) nack.deliveryCount++;
    g.assign(nack, consumer);
    if (justid) out.bulk(id.toString());
    else if (!replyOneEntry(c, s, id)) out.nullBulk();
    n++;
    propagateXclaim(c, key, g, argv[k], nack);
    propagateLastId = false;
    c.server.dirty++;
  }
  if (propagateLastId) {
    propagateGroupId(c, key, g);
    c.server.dirty++;
  }
  out.setDeferredArray(mark, n);
}

function xautoclaimCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  let minidle = llArg(c, argv[4], 'ERR Invalid min-idle-time argument for XAUTOCLAIM');
  if (minidle === null) return;
  if (minidle < 0) minidle = 0;
  const start = parseIntervalID(c, argv[5], false);
  if (start === null) return;
  if (lastExclusive && !start.incr()) {
    c.error('ERR invalid start ID for the interval');
    return;
  }
  let count = 100;
  let justid = false;
  for (let j = 6; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    if (eq(argv[j], 'count') && more) {
      const v = parseInt64(argv[j + 1]);
      // LONG_MAX / max(sizeof(streamID), attempts_factor)
      if (v === null || v < 1 || v > 576460752303423487n) {
        c.error('ERR COUNT must be > 0');
        return;
      }
      count = Number(v);
      j++;
    } else if (eq(argv[j], 'justid')) {
      justid = true;
    } else {
      c.error(ERR_SYNTAX);
      return;
    }
  }
  const s = readStream(c, key);
  if (s === undefined) return;
  const g = s === null ? undefined : s.lookupGroup(argv[2]);
  if (s === null || g === undefined) {
    c.error(`NOGROUP No such key '${cstr(key)}' or consumer group '${cstr(argv[2])}'`);
    return;
  }
  let attempts = count * 10;
  const now = c.server.cmdTime;
  const claimed: StreamID[] = [];
  const deletedIds: string[] = [];
  let consumer: Consumer | null = null;
  const pel = g.pel;
  const it = new NackIter(pel, pel.lowerBound(start));
  let nack: Nack | null;
  while (attempts-- > 0 && count > 0 && (nack = it.next()) !== null) {
    const id = nack.id;
    if (!s.has(id)) {
      const idStr = id.toString();
      propagateXclaim(c, key, g, idStr, nack);
      c.server.dirty++;
      g.dropNack(nack);
      deletedIds.push(idStr);
      count--;
      continue;
    }
    if (minidle && now - nack.deliveryTime < minidle) continue;
    consumer ??= g.consumers.get(argv[3]) ?? null;
    if (consumer === null) consumer = createConsumer(c, g, argv[3], key, c.db);
    else consumer.seenTime = now;
    nack.deliveryTime = now;
    if (!justid) nack.deliveryCount++;
    g.assign(nack, consumer);
    claimed.push(id);
    count--;
    propagateXclaim(c, key, g, id.toString(), nack);
    c.server.dirty++;
  }
  const after = it.next();
  const out = c.out;
  out.array(3);
  out.bulk(after === null ? '0-0' : after.id.toString());
  out.array(claimed.length);
  for (const id of claimed) {
    if (justid) out.bulk(id.toString());
    else if (!replyOneEntry(c, s, id)) out.nullBulk();
  }
  out.array(deletedIds.length);
  for (const d of deletedIds) out.bulk(d);
}

/** Walks a NackList forward from an index, skipping stale slots. */
class NackIter {
  private prev: Nack | null = null;
  constructor(
    private readonly pel: NackList,
    private i: number,
  ) {}

  next(): Nack | null {
    const arr = this.pel.arr;
    while (this.i < arr.length) {
      const x = arr[this.i++];
      if (this.pel.valid(x) && x !== this.prev) return (this.prev = x);
    }
    return null;
  }
}

// ---- XINFO ------------------------------------------------------------------------------------------

function xinfoConsumersCommand(c: Client, argv: string[]): void {
  const s = readStream(c, argv[2]);
  if (s === undefined) return;
  if (s === null) {
    c.error(ERR_NO_SUCH_KEY);
    return;
  }
  const g = s.lookupGroup(argv[3]);
  if (g === undefined) {
    c.error(`NOGROUP No such consumer group '${cstr(argv[3])}' for key name '${cstr(argv[2])}'`);
    return;
  }
  const out = c.out;
  const list = g.sortedConsumers();
  out.array(list.length);
  const now = Date.now();
  for (const cons of list) {
    out.map(3);
    out.bulk('name');
    out.bulk(cons.name);
    out.bulk('pending');
    out.integer(cons.pel.size);
    out.bulk('idle');
    const idle = now - cons.seenTime;
    out.integer(idle < 0 ? 0 : idle);
  }
}

function replyLag(c: Client, s: Stream, g: ConsumerGroup): void {
  const lag = s.lag(g);
  if (lag === null) c.out.nullBulk();
  else c.out.integer(lag);
}

function replyEntriesRead(c: Client, g: ConsumerGroup): void {
  if (g.entriesRead !== ENTRIES_READ_INVALID) c.out.integer(g.entriesRead);
  else c.out.nullBulk();
}

function xinfoGroupsCommand(c: Client, argv: string[]): void {
  const s = readStream(c, argv[2]);
  if (s === undefined) return;
  if (s === null) {
    c.error(ERR_NO_SUCH_KEY);
    return;
  }
  const out = c.out;
  const groups = s.sortedGroups();
  out.array(groups.length);
  for (const g of groups) {
    out.map(6);
    out.bulk('name');
    out.bulk(g.name);
    out.bulk('consumers');
    out.integer(g.consumers.size);
    out.bulk('pending');
    out.integer(g.pel.size);
    out.bulk('last-delivered-id');
    out.bulk(g.lastId.toString());
    out.bulk('entries-read');
    replyEntriesRead(c, g);
    out.bulk('lag');
    replyLag(c, s, g);
  }
}

function xinfoStreamCommand(c: Client, argv: string[]): void {
  const s = readStream(c, argv[2]);
  if (s === undefined) return;
  if (s === null) {
    c.error(ERR_NO_SUCH_KEY);
    return;
  }
  let full = false;
  let count = 10;
  if (argv.length > 3) {
    if (
      !eq(argv[3], 'full') ||
      (argv.length !== 4 && argv.length !== 6) ||
      (argv.length === 6 && !eq(argv[4], 'count'))
    ) {
      subcommandSyntaxError(c, argv);
      return;
    }
    full = true;
    if (argv.length === 6) {
      const v = llArg(c, argv[5]);
      if (v === null) return;
      count = v < 0 ? 10 : v;
    }
  }
  const out = c.out;
  out.map(full ? 9 : 10);
  out.bulk('length');
  out.integer(s.length);
  out.bulk('radix-tree-keys');
  out.integer(s.nodes.length);
  out.bulk('radix-tree-nodes');
  out.integer(s.raxNodes());
  out.bulk('last-generated-id');
  out.bulk(s.lastId.toString());
  out.bulk('max-deleted-entry-id');
  out.bulk(s.maxDeletedId.toString());
  out.bulk('entries-added');
  out.integer(s.entriesAdded);
  out.bulk('recorded-first-entry-id');
  out.bulk(s.firstId.toString());
  if (!full) {
    out.bulk('groups');
    out.integer(s.groups === null ? 0 : s.groups.size);
    out.bulk('first-entry');
    const cur = CUR;
    if (s.seekGE(new StreamID(), cur)) replyEntry(c, s.nodes[cur.node], cur.entry);
    else out.nullBulk();
    out.bulk('last-entry');
    if (s.seekLE(MAX_ID(), cur)) replyEntry(c, s.nodes[cur.node], cur.entry);
    else out.nullBulk();
    return;
  }
  out.bulk('entries');
  replyRange(c, s, new StreamID(), MAX_ID(), count, false);
  out.bulk('groups');
  const groups = s.sortedGroups();
  out.array(groups.length);
  for (const g of groups) {
    out.map(7);
    out.bulk('name');
    out.bulk(g.name);
    out.bulk('last-delivered-id');
    out.bulk(g.lastId.toString());
    out.bulk('entries-read');
    replyEntriesRead(c, g);
    out.bulk('lag');
    replyLag(c, s, g);
    out.bulk('pel-count');
    out.integer(g.pel.size);
    out.bulk('pending');
    const pending = g.pel.toArray();
    const np = count === 0 ? pending.length : Math.min(count, pending.length);
    out.array(np);
    for (let i = 0; i < np; i++) {
      const nk = pending[i];
      out.array(4);
      out.bulk(nk.id.toString());
      out.bulk(nk.consumer!.name);
      out.integer(nk.deliveryTime);
      out.integer(nk.deliveryCount);
    }
    out.bulk('consumers');
    const consumers = g.sortedConsumers();
    out.array(consumers.length);
    for (const cons of consumers) {
      out.map(4);
      out.bulk('name');
      out.bulk(cons.name);
      out.bulk('seen-time');
      out.integer(cons.seenTime);
      out.bulk('pel-count');
      out.integer(cons.pel.size);
      out.bulk('pending');
      const cp = cons.pel.toArray();
      const ncp = count === 0 ? cp.length : Math.min(count, cp.length);
      out.array(ncp);
      for (let i = 0; i < ncp; i++) {
        const nk = cp[i];
        out.array(3);
        out.bulk(nk.id.toString());
        out.integer(nk.deliveryTime);
        out.integer(nk.deliveryCount);
      }
    }
  }
}

// ---- Command table ------------------------------------------------------------------------------

function spec(
  name: string,
  arity: number,
  flags: CommandSpec['flags'],
  keys: [number, number, number],
  handler: CommandSpec['handler'],
  getKeys?: (argv: string[]) => number[],
): CommandSpec {
  return {
    name,
    arity,
    flags,
    firstKey: keys[0],
    lastKey: keys[1],
    step: keys[2],
    acl: ['stream'],
    handler,
    getKeys,
    group: 'stream',
  };
}

/** Keys of XREAD/XREADGROUP: the first half of what follows STREAMS. */
function xreadKeys(argv: string[]): number[] {
  let streamsPos = -1;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i].toLowerCase();
    if (a === 'block' || a === 'count') i++;
    else if (a === 'group') i += 2;
    else if (a === 'streams') {
      streamsPos = i;
      break;
    }
  }
  if (streamsPos === -1) return [];
  const n = argv.length - streamsPos - 1;
  if (n % 2 !== 0 || n === 0) return [];
  const out: number[] = [];
  for (let i = 0; i < n / 2; i++) out.push(streamsPos + 1 + i);
  return out;
}

function help(name: string, lines: string[]): CommandSpec['handler'] {
  return (c) => replyHelp(c, name, lines);
}

export const specs: CommandSpec[] = [
  spec('xadd', -5, ['write', 'denyoom', 'fast'], [1, 1, 1], xaddCommand),
  spec('xlen', 2, ['readonly', 'fast'], [1, 1, 1], xlenCommand),
  spec('xrange', -4, ['readonly'], [1, 1, 1], xrangeCommand),
  spec('xrevrange', -4, ['readonly'], [1, 1, 1], xrevrangeCommand),
  spec('xdel', -3, ['write', 'fast'], [1, 1, 1], xdelCommand),
  spec('xtrim', -4, ['write'], [1, 1, 1], xtrimCommand),
  spec('xread', -4, ['readonly', 'blocking', 'movablekeys'], [0, 0, 0], xreadCommand, xreadKeys),
  spec('xreadgroup', -7, ['write', 'blocking', 'movablekeys'], [0, 0, 0], xreadgroupCommand, xreadKeys),
  spec('xack', -4, ['write', 'fast'], [1, 1, 1], xackCommand),
  spec('xpending', -3, ['readonly'], [1, 1, 1], xpendingCommand),
  spec('xclaim', -6, ['write', 'fast'], [1, 1, 1], xclaimCommand),
  spec('xautoclaim', -6, ['write', 'fast'], [1, 1, 1], xautoclaimCommand),
  spec('xsetid', -3, ['write', 'denyoom', 'fast'], [1, 1, 1], xsetidCommand),
  {
    name: 'xgroup',
    arity: -2,
    flags: [],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    group: 'stream',
    subcommands: [
      spec('destroy', 4, ['write'], [2, 2, 1], xgroupDestroyCommand),
      spec('create', -5, ['write', 'denyoom'], [2, 2, 1], xgroupCreateCommand),
      spec('help', 2, ['loading', 'stale'], [0, 0, 0], help('XGROUP', XGROUP_HELP)),
      spec('setid', -5, ['write'], [2, 2, 1], xgroupSetidCommand),
      spec('createconsumer', 5, ['write', 'denyoom'], [2, 2, 1], xgroupCreateconsumerCommand),
      spec('delconsumer', 5, ['write'], [2, 2, 1], xgroupDelconsumerCommand),
    ],
  },
  {
    name: 'xinfo',
    arity: -2,
    flags: [],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    group: 'stream',
    subcommands: [
      spec('consumers', 4, ['readonly'], [2, 2, 1], xinfoConsumersCommand),
      spec('help', 2, ['loading', 'stale'], [0, 0, 0], help('XINFO', XINFO_HELP)),
      spec('groups', 3, ['readonly'], [2, 2, 1], xinfoGroupsCommand),
      spec('stream', -3, ['readonly'], [2, 2, 1], xinfoStreamCommand),
    ],
  },
];
