/**
 * Sorted set commands (t_zset.c): ZADD & co, ranges by rank/score/lex, pops, random members,
 * the set operations (ZUNION/ZINTER/ZDIFF[STORE], ZINTERCARD) and ZSCAN. The data type lives
 * in store/types/zset.ts; here arguments are parsed with Redis's exact rules and errors.
 */
import type { CommandSpec } from './types.js';
import type { Client } from '../server/client.js';
import type { Database, RObject } from '../store/database.js';
import { mayBlock, parseTimeout, type BlockHandler } from '../server/blocking.js';
import {
  ERR_NOT_FLOAT,
  ERR_NOT_INTEGER,
  ERR_OUT_OF_RANGE,
  ERR_SYNTAX,
  ERR_WRONGTYPE,
  eq,
  lookupReadCounted,
  intArg,
  rangeIntArg,
} from './util.js';
import { NOTIFY_GENERIC, NOTIFY_ZSET } from '../server/notify.js';
import { parseInt64, formatDouble } from '../util/numbers.js';
import { strtod, strtodEnd, string2d } from '../util/strtod.js';
import { globMatch } from '../util/glob.js';
import {
  ZSet,
  ZADD_IN_GT,
  ZADD_IN_INCR,
  ZADD_IN_LT,
  ZADD_IN_NX,
  ZADD_IN_XX,
  ZADD_OUT_ADDED,
  ZADD_OUT_NAN,
  ZADD_OUT_NOP,
  ZADD_OUT_UPDATED,
  scoreGteMin,
  scoreLteMax,
  lexGteMin,
  lexLteMax,
  type LexBound,
  type LexRange,
  type ScoreRange,
  type ZsetLimits,
} from '../store/types/zset.js';

const ERR_MINMAX_FLOAT = 'ERR min or max is not a float';
const ERR_MINMAX_LEX = 'ERR min or max not valid string range item';
const ERR_NAN = 'ERR resulting score is not a number (NaN)';
const LONG_MAX = 9223372036854775807n;

// ---- Helpers ------------------------------------------------------------------------------

const LIMITS: ZsetLimits = { maxEntries: 128, maxValue: 64 };

/** zset-max-listpack-entries / -value, read per command (they are mutable). */
function limits(c: Client): ZsetLimits {
  LIMITS.maxEntries = c.server.config.num('zset-max-listpack-entries');
  LIMITS.maxValue = c.server.config.num('zset-max-listpack-value');
  return LIMITS;
}

/** Reads a key that must hold a sorted set: the ZSet, null when missing, undefined after WRONGTYPE. */
function readZset(c: Client, key: string): ZSet | null | undefined {
  const v = lookupReadCounted(c, key);
  if (v === undefined) return null;
  if (!(v instanceof ZSet)) {
    c.error(ERR_WRONGTYPE);
    return undefined;
  }
  return v;
}

/** Same as readZset for writing (no hit/miss accounting). */
function writeZset(c: Client, key: string): ZSet | null | undefined {
  const v = c.db.lookupWrite(key);
  if (v === undefined) return null;
  if (!(v instanceof ZSet)) {
    c.error(ERR_WRONGTYPE);
    return undefined;
  }
  return v;
}

/** C strings end at the first NUL: what strtod & co see of an argument. */
function cEnd(s: string, i: number): boolean {
  return i === s.length || s.charCodeAt(i) === 0;
}

/** One end of a score range (zslParseRange): `(` for exclusive, strtod for the number. */
function parseScoreBound(s: string, isMin: boolean, r: ScoreRange): boolean {
  const ex = s.length > 0 && s.charCodeAt(0) === 40;
  const v = strtod(s, ex ? 1 : 0);
  if (!cEnd(s, strtodEnd) || Number.isNaN(v)) return false;
  if (isMin) {
    r.min = v;
    r.minex = ex;
  } else {
    r.max = v;
    r.maxex = ex;
  }
  return true;
}

function parseScoreRange(min: string, max: string): ScoreRange | null {
  const r: ScoreRange = { min: 0, max: 0, minex: false, maxex: false };
  if (!parseScoreBound(min, true, r) || !parseScoreBound(max, false, r)) return null;
  return r;
}

/** zslParseLexRangeItem: `-`, `+`, `(str`, `[str`. */
function parseLexBound(s: string): LexBound | null {
  const c0 = s.length > 0 ? s.charCodeAt(0) : 0;
  switch (c0) {
    case 43: // +
      return cEnd(s, 1) ? { kind: 1, s: '', ex: false } : null;
    case 45: // -
      return cEnd(s, 1) ? { kind: -1, s: '', ex: false } : null;
    case 40: // (
      return { kind: 0, s: s.slice(1), ex: true };
    case 91: // [
      return { kind: 0, s: s.slice(1), ex: false };
    default:
      return null;
  }
}

function parseLexRange(min: string, max: string): LexRange | null {
  const a = parseLexBound(min);
  const b = parseLexBound(max);
  if (a === null || b === null) return null;
  return { min: a, max: b };
}

/** Redis's d2string, the text a listpack keeps for a score (ZSCAN shows it). */
function d2string(d: number): string {
  if (Number.isInteger(d) && Math.abs(d) <= 4611686018427387904) {
    return Math.abs(d) <= Number.MAX_SAFE_INTEGER ? String(d === 0 ? 0 : d) : BigInt(d).toString();
  }
  return formatDouble(d);
}

/** Deletes an emptied key with the generic `del` event. */
function deleteIfEmpty(c: Client, key: string, z: ZSet): boolean {
  if (z.length !== 0) return false;
  c.db.delete(key);
  c.server.notifyGenericDel(c.db, key);
  return true;
}

// ---- ZADD / ZINCRBY -------------------------------------------------------------------------

/**
 * ZADD's parsed scores, reused up to its size (handlers run one at a time and ZADD does not
 * reenter); a bigger ZADD gets an array of its own, so none is kept at a huge size.
 */
const scoreBuf = new Float64Array(1024);

function zaddGeneric(c: Client, argv: string[], flags: number): void {
  const key = argv[1];
  let scoreidx = 2;
  let ch = false;
  while (scoreidx < argv.length) {
    const opt = argv[scoreidx];
    if (opt.length > 4) break;
    if (eq(opt, 'nx')) flags |= ZADD_IN_NX;
    else if (eq(opt, 'xx')) flags |= ZADD_IN_XX;
    else if (eq(opt, 'ch')) ch = true;
    else if (eq(opt, 'incr')) flags |= ZADD_IN_INCR;
    else if (eq(opt, 'gt')) flags |= ZADD_IN_GT;
    else if (eq(opt, 'lt')) flags |= ZADD_IN_LT;
    else break;
    scoreidx++;
  }
  const incr = (flags & ZADD_IN_INCR) !== 0;
  const nx = (flags & ZADD_IN_NX) !== 0;
  const xx = (flags & ZADD_IN_XX) !== 0;
  const gt = (flags & ZADD_IN_GT) !== 0;
  const lt = (flags & ZADD_IN_LT) !== 0;
  let elements = argv.length - scoreidx;
  if (elements % 2 !== 0 || elements === 0) {
    c.error(ERR_SYNTAX);
    return;
  }
  elements /= 2;
  if (nx && xx) {
    c.error('ERR XX and NX options at the same time are not compatible');
    return;
  }
  if ((gt && nx) || (lt && nx) || (gt && lt)) {
    c.error('ERR GT, LT, and/or NX options at the same time are not compatible');
    return;
  }
  if (incr && elements > 1) {
    c.error('ERR INCR option supports a single increment-element pair');
    return;
  }
  // Every score is parsed before anything changes: the command runs fully or not at all.
  const scores = elements <= scoreBuf.length ? scoreBuf : new Float64Array(elements);
  for (let j = 0; j < elements; j++) {
    const v = string2d(argv[scoreidx + j * 2]);
    if (v === null) {
      c.error(ERR_NOT_FLOAT);
      return;
    }
    scores[j] = v;
  }
  const db = c.db;
  let z = writeZset(c, key);
  if (z === undefined) return;
  let added = 0;
  let updated = 0;
  let processed = 0;
  let score = 0;
  if (z === null) {
    if (xx) {
      replyZadd(c, incr, processed, score, ch, added, updated);
      return;
    }
    z = ZSet.forFirstMember(argv[scoreidx + 1].length, limits(c));
    db.add(key, z);
  }
  // The limits only matter to a listpack (reading them costs two config lookups each).
  const lim = z.isListpack ? limits(c) : LIMITS;
  let nan = false;
  for (let j = 0; j < elements; j++) {
    const out = z.add(scores[j], argv[scoreidx + 1 + j * 2], flags, lim);
    if (out & ZADD_OUT_NAN) {
      nan = true;
      break;
    }
    if (out & ZADD_OUT_ADDED) added++;
    if (out & ZADD_OUT_UPDATED) updated++;
    if ((out & ZADD_OUT_NOP) === 0) processed++;
    score = z.newScore;
  }
  if (nan) c.error(ERR_NAN);
  else replyZadd(c, incr, processed, score, ch, added, updated);
  if (added || updated) {
    c.server.keyModified(db, key, NOTIFY_ZSET, incr ? 'zincr' : 'zadd');
    c.server.dirty += added + updated - 1;
  }
}

function replyZadd(
  c: Client,
  incr: boolean,
  processed: number,
  score: number,
  ch: boolean,
  added: number,
  updated: number,
): void {
  if (incr) {
    if (processed) c.out.double(score);
    else c.out.nullBulk();
  } else {
    c.out.integer(ch ? added + updated : added);
  }
}

/** ZADD (exported for GEOADD, which runs ZADD on its rewritten arguments as Redis does). */
export function zaddCommand(c: Client, argv: string[]): void {
  zaddGeneric(c, argv, 0);
}

function zincrbyCommand(c: Client, argv: string[]): void {
  zaddGeneric(c, argv, ZADD_IN_INCR);
}

// ---- ZREM, ZCARD, ZSCORE, ZMSCORE, ZRANK ----------------------------------------------------

function zremCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  const z = writeZset(c, key);
  if (z === undefined) return;
  if (z === null) {
    c.out.integer(0);
    return;
  }
  let deleted = 0;
  let removed = false;
  for (let j = 2; j < argv.length; j++) {
    if (z.delete(argv[j])) deleted++;
    if (z.length === 0) {
      c.db.delete(key);
      removed = true;
      break;
    }
  }
  if (deleted) {
    c.server.notifyKeyspaceEvent(NOTIFY_ZSET, 'zrem', key, c.db.id);
    if (removed) c.server.notifyGenericDel(c.db, key);
    c.server.signalModifiedKey(c.db, key);
    c.server.dirty += deleted;
  }
  c.out.integer(deleted);
}

function zcardCommand(c: Client, argv: string[]): void {
  const z = readZset(c, argv[1]);
  if (z === undefined) return;
  c.out.integer(z === null ? 0 : z.length);
}

function zscoreCommand(c: Client, argv: string[]): void {
  const z = readZset(c, argv[1]);
  if (z === undefined) return;
  const s = z === null ? undefined : z.getScore(argv[2]);
  if (s === undefined) c.out.nullBulk();
  else c.out.double(s);
}

function zmscoreCommand(c: Client, argv: string[]): void {
  const z = readZset(c, argv[1]);
  if (z === undefined) return;
  c.out.array(argv.length - 2);
  for (let j = 2; j < argv.length; j++) {
    const s = z === null ? undefined : z.getScore(argv[j]);
    if (s === undefined) c.out.nullBulk();
    else c.out.double(s);
  }
}

/** ZRANK/ZREVRANK key member [WITHSCORE] (WITHSCORE as in Redis 7.2). */
function zrankGeneric(c: Client, argv: string[], reverse: boolean): void {
  if (argv.length > 4) {
    c.error(`ERR wrong number of arguments for '${reverse ? 'zrevrank' : 'zrank'}' command`);
    return;
  }
  let withscore = false;
  if (argv.length > 3) {
    if (eq(argv[3], 'withscore')) withscore = true;
    else {
      c.error(ERR_SYNTAX);
      return;
    }
  }
  const z = readZset(c, argv[1]);
  if (z === undefined) return;
  const rank = z === null ? -1 : z.rank(argv[2], reverse);
  if (rank < 0) {
    if (withscore) c.out.nullArray();
    else c.out.nullBulk();
    return;
  }
  if (withscore) c.out.array(2);
  c.out.integer(rank);
  if (withscore) c.out.double(z!.getScore(argv[2])!);
}

function zrankCommand(c: Client, argv: string[]): void {
  zrankGeneric(c, argv, false);
}

function zrevrankCommand(c: Client, argv: string[]): void {
  zrankGeneric(c, argv, true);
}

// ---- ZCOUNT, ZLEXCOUNT ----------------------------------------------------------------------

function zcountCommand(c: Client, argv: string[]): void {
  const r = parseScoreRange(argv[2], argv[3]);
  if (r === null) {
    c.error(ERR_MINMAX_FLOAT);
    return;
  }
  const z = readZset(c, argv[1]);
  if (z === undefined) return;
  c.out.integer(z === null ? 0 : z.countInRange(r));
}

function zlexcountCommand(c: Client, argv: string[]): void {
  const r = parseLexRange(argv[2], argv[3]);
  if (r === null) {
    c.error(ERR_MINMAX_LEX);
    return;
  }
  const z = readZset(c, argv[1]);
  if (z === undefined) return;
  c.out.integer(z === null ? 0 : z.countInLexRange(r));
}

// ---- ZRANGE family ----------------------------------------------------------------------------

const RANGE_AUTO = 0;
const RANGE_RANK = 1;
const RANGE_SCORE = 2;
const RANGE_LEX = 3;
const DIR_AUTO = 0;
const DIR_FORWARD = 1;
const DIR_REVERSE = 2;

/**
 * Where a range goes (zrange_result_handler): the client's reply, or a new sorted set for
 * ZRANGESTORE. One per command, no closures.
 */
class RangeSink {
  /** Destination set for ZRANGESTORE, else null. */
  dst: ZSet | null = null;
  withscores = false;
  /** RESP3 WITHSCORES: each pair is its own array. */
  nested = false;
  marker = -1;
  lim: ZsetLimits | null = null;

  constructor(readonly c: Client) {}

  /** length -1 = unknown yet (deferred header). */
  begin(length: number): void {
    if (this.dst !== null) return;
    const out = this.c.out;
    if (length > 0) {
      out.array(this.withscores && this.c.proto === 2 ? length * 2 : length);
      this.marker = -1;
    } else {
      this.marker = out.deferLen();
    }
  }

  emit(ele: string, score: number): void {
    if (this.dst !== null) {
      this.dst.add(score, ele, 0, this.lim!);
      return;
    }
    const out = this.c.out;
    if (this.nested) out.array(2);
    out.bulk(ele);
    if (this.withscores) out.double(score);
  }

  finalize(count: number, dstkey: string): void {
    const c = this.c;
    if (this.dst === null) {
      if (this.marker !== -1)
        c.out.setDeferredArray(this.marker, this.withscores && c.proto === 2 ? count * 2 : count);
      return;
    }
    if (count) {
      c.db.setKey(dstkey, this.dst);
      c.out.integer(count);
      c.server.keyModified(c.db, dstkey, NOTIFY_ZSET, 'zrangestore');
    } else {
      c.out.integer(0);
      if (c.db.delete(dstkey)) c.server.keyModified(c.db, dstkey, NOTIFY_GENERIC, 'del');
    }
  }
}

function rangeByRank(
  sink: RangeSink,
  dstkey: string,
  z: ZSet,
  start: number,
  end: number,
  reverse: boolean,
): void {
  const llen = z.length;
  if (start < 0) start = llen + start;
  if (end < 0) end = llen + end;
  if (start < 0) start = 0;
  if (start > end || start >= llen) {
    sink.begin(0);
    sink.finalize(0, dstkey);
    return;
  }
  if (end >= llen) end = llen - 1;
  const rangelen = end - start + 1;
  sink.begin(rangelen);
  let p = z.atRank(reverse ? llen - 1 - start : start);
  for (let n = 0; n < rangelen; n++) {
    sink.emit(z.eleAt(p), z.scoreAt(p));
    p = reverse ? z.prev(p) : z.next(p);
  }
  sink.finalize(rangelen, dstkey);
}

function rangeByScore(
  sink: RangeSink,
  dstkey: string,
  r: ScoreRange,
  z: ZSet,
  offset: number,
  limit: number,
  reverse: boolean,
): void {
  let count = 0;
  sink.begin(-1);
  if (offset > 0 && offset >= z.length) {
    sink.finalize(0, dstkey);
    return;
  }
  let p = reverse ? z.lastInRange(r) : z.firstInRange(r);
  // A negative offset walks off the end, as Redis's `while (ln && offset--)` does.
  while (p !== -1 && offset-- !== 0) p = reverse ? z.prev(p) : z.next(p);
  while (p !== -1 && limit-- !== 0) {
    const score = z.scoreAt(p);
    if (reverse ? !scoreGteMin(score, r) : !scoreLteMax(score, r)) break;
    count++;
    sink.emit(z.eleAt(p), score);
    p = reverse ? z.prev(p) : z.next(p);
  }
  sink.finalize(count, dstkey);
}

function rangeByLex(
  sink: RangeSink,
  dstkey: string,
  r: LexRange,
  z: ZSet,
  offset: number,
  limit: number,
  reverse: boolean,
): void {
  let count = 0;
  sink.begin(-1);
  let p = reverse ? z.lastInLexRange(r) : z.firstInLexRange(r);
  while (p !== -1 && offset-- !== 0) p = reverse ? z.prev(p) : z.next(p);
  while (p !== -1 && limit-- !== 0) {
    const ele = z.eleAt(p);
    if (reverse ? !lexGteMin(ele, r) : !lexLteMax(ele, r)) break;
    count++;
    sink.emit(ele, z.scoreAt(p));
    p = reverse ? z.prev(p) : z.next(p);
  }
  sink.finalize(count, dstkey);
}

/**
 * zrangeGenericCommand: ZRANGE, ZRANGESTORE and the Z[REV]RANGE[BYSCORE|BYLEX] forms.
 * argStart points at the source key: <src> <min> <max> [BYSCORE|BYLEX] [REV] [WITHSCORES] [LIMIT o c].
 */
function zrangeGeneric(
  c: Client,
  argv: string[],
  argStart: number,
  store: boolean,
  rangetype: number,
  direction: number,
): void {
  const key = argv[argStart];
  let minidx = argStart + 1;
  let maxidx = argStart + 2;
  let withscores = false;
  let offset = 0;
  let limit = -1;
  for (let j = argStart + 3; j < argv.length; j++) {
    const leftargs = argv.length - j - 1;
    const a = argv[j];
    if (!store && eq(a, 'withscores')) {
      withscores = true;
    } else if (eq(a, 'limit') && leftargs >= 2) {
      const o = intArg(c, argv[j + 1]);
      if (o === null) return;
      const l = intArg(c, argv[j + 2]);
      if (l === null) return;
      offset = o;
      limit = l;
      j += 2;
    } else if (direction === DIR_AUTO && eq(a, 'rev')) {
      direction = DIR_REVERSE;
    } else if (rangetype === RANGE_AUTO && eq(a, 'bylex')) {
      rangetype = RANGE_LEX;
    } else if (rangetype === RANGE_AUTO && eq(a, 'byscore')) {
      rangetype = RANGE_SCORE;
    } else {
      c.error(ERR_SYNTAX);
      return;
    }
  }
  if (direction === DIR_AUTO) direction = DIR_FORWARD;
  if (rangetype === RANGE_AUTO) rangetype = RANGE_RANK;
  if (limit !== -1 && rangetype === RANGE_RANK) {
    c.error('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX');
    return;
  }
  if (withscores && rangetype === RANGE_LEX) {
    c.error('ERR syntax error, WITHSCORES not supported in combination with BYLEX');
    return;
  }
  const reverse = direction === DIR_REVERSE;
  if (reverse && (rangetype === RANGE_SCORE || rangetype === RANGE_LEX)) {
    // The range is given as max, min.
    const t = maxidx;
    maxidx = minidx;
    minidx = t;
  }
  let start = 0;
  let end = 0;
  let srange: ScoreRange | null = null;
  let lrange: LexRange | null = null;
  if (rangetype === RANGE_RANK) {
    const s = intArg(c, argv[minidx]);
    if (s === null) return;
    const e = intArg(c, argv[maxidx]);
    if (e === null) return;
    start = s;
    end = e;
  } else if (rangetype === RANGE_SCORE) {
    srange = parseScoreRange(argv[minidx], argv[maxidx]);
    if (srange === null) {
      c.error(ERR_MINMAX_FLOAT);
      return;
    }
  } else {
    lrange = parseLexRange(argv[minidx], argv[maxidx]);
    if (lrange === null) {
      c.error(ERR_MINMAX_LEX);
      return;
    }
  }
  const sink = new RangeSink(c);
  const dstkey = store ? argv[1] : '';
  if (withscores || store) {
    sink.withscores = true;
    sink.nested = c.proto > 2 && !store;
  }
  if (store) {
    sink.dst = new ZSet();
    sink.lim = limits(c);
  }
  const z = readZset(c, key);
  if (z === undefined) return;
  if (z === null) {
    if (store) {
      sink.begin(-1);
      sink.finalize(0, dstkey);
    } else {
      c.out.array(0);
    }
    return;
  }
  if (rangetype === RANGE_RANK) rangeByRank(sink, dstkey, z, start, end, reverse);
  else if (rangetype === RANGE_SCORE) rangeByScore(sink, dstkey, srange!, z, offset, limit, reverse);
  else rangeByLex(sink, dstkey, lrange!, z, offset, limit, reverse);
}

function zrangeCommand(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 1, false, RANGE_AUTO, DIR_AUTO);
}

function zrangestoreCommand(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 2, true, RANGE_AUTO, DIR_AUTO);
}

function zrevrangeCommand(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 1, false, RANGE_RANK, DIR_REVERSE);
}

function zrangebyscoreCommand(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 1, false, RANGE_SCORE, DIR_FORWARD);
}

function zrevrangebyscoreCommand(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 1, false, RANGE_SCORE, DIR_REVERSE);
}

function zrangebylexCommand(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 1, false, RANGE_LEX, DIR_FORWARD);
}

function zrevrangebylexCommand(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 1, false, RANGE_LEX, DIR_REVERSE);
}

// ---- ZREMRANGEBY* ---------------------------------------------------------------------------

function zremrangeGeneric(c: Client, argv: string[], rangetype: number): void {
  const key = argv[1];
  let start = 0;
  let end = 0;
  let srange: ScoreRange | null = null;
  let lrange: LexRange | null = null;
  let event: string;
  if (rangetype === RANGE_RANK) {
    event = 'zremrangebyrank';
    const s = intArg(c, argv[2]);
    if (s === null) return;
    const e = intArg(c, argv[3]);
    if (e === null) return;
    start = s;
    end = e;
  } else if (rangetype === RANGE_SCORE) {
    event = 'zremrangebyscore';
    srange = parseScoreRange(argv[2], argv[3]);
    if (srange === null) {
      c.error(ERR_MINMAX_FLOAT);
      return;
    }
  } else {
    event = 'zremrangebylex';
    lrange = parseLexRange(argv[2], argv[3]);
    if (lrange === null) {
      c.error(ERR_MINMAX_LEX);
      return;
    }
  }
  const z = writeZset(c, key);
  if (z === undefined) return;
  if (z === null) {
    c.out.integer(0);
    return;
  }
  let deleted: number;
  if (rangetype === RANGE_RANK) {
    const llen = z.length;
    if (start < 0) start = llen + start;
    if (end < 0) end = llen + end;
    if (start < 0) start = 0;
    if (start > end || start >= llen) {
      c.out.integer(0);
      return;
    }
    if (end >= llen) end = llen - 1;
    deleted = z.deleteRangeByRank(start, end);
  } else if (rangetype === RANGE_SCORE) {
    deleted = z.deleteRangeByScore(srange!);
  } else {
    deleted = z.deleteRangeByLex(lrange!);
  }
  let removed = false;
  if (z.length === 0) {
    c.db.delete(key);
    removed = true;
  }
  if (deleted) {
    c.server.signalModifiedKey(c.db, key);
    c.server.notifyKeyspaceEvent(NOTIFY_ZSET, event, key, c.db.id);
    if (removed) c.server.notifyGenericDel(c.db, key);
  }
  c.server.dirty += deleted;
  c.out.integer(deleted);
}

function zremrangebyrankCommand(c: Client, argv: string[]): void {
  zremrangeGeneric(c, argv, RANGE_RANK);
}

function zremrangebyscoreCommand(c: Client, argv: string[]): void {
  zremrangeGeneric(c, argv, RANGE_SCORE);
}

function zremrangebylexCommand(c: Client, argv: string[]): void {
  zremrangeGeneric(c, argv, RANGE_LEX);
}

// ---- Pops -------------------------------------------------------------------------------

const ZSET_MIN = 0;
const ZSET_MAX = 1;

/**
 * genericZpopCommand: pops from the first non-empty sorted set of keys[from, to).
 * count -1 = a single pop without COUNT. `nested`: pairs as arrays; `emitkey`: the key
 * name leads the reply; `nilWhenEmpty`: a null array when no key exists. Returns the key
 * popped from (null when none).
 */
export function genericZpop(
  c: Client,
  keys: string[],
  from: number,
  to: number,
  where: number,
  emitkey: boolean,
  count: number,
  nested: boolean,
  nilWhenEmpty: boolean,
): string | null {
  let key = '';
  let z: ZSet | null | undefined = null;
  for (let i = from; i < to; i++) {
    key = keys[i];
    z = writeZset(c, key);
    if (z === undefined) return null;
    if (z !== null) break;
  }
  const out = c.out;
  if (z === null || z === undefined) {
    if (nilWhenEmpty) out.nullArray();
    else out.array(0);
    return null;
  }
  if (count === 0) {
    out.array(0);
    return null;
  }
  if (count === -1) count = 1;
  const llen = z.length;
  const rangelen = count > llen ? llen : count;
  if (!nested && !emitkey) out.array(rangelen * 2);
  else if (nested && !emitkey) out.array(rangelen);
  else if (!nested && emitkey) {
    out.array(rangelen * 2 + 1);
    out.bulk(key);
  } else {
    out.array(2);
    out.bulk(key);
    out.array(rangelen);
  }
  for (let n = 0; n < rangelen; n++) {
    const p = where === ZSET_MAX ? z.last() : z.first();
    const ele = z.eleAt(p);
    const score = z.scoreAt(p);
    z.delete(ele);
    if (n === 0) c.server.keyModified(c.db, key, NOTIFY_ZSET, where === ZSET_MAX ? 'zpopmax' : 'zpopmin');
    else c.server.dirty++;
    if (nested) out.array(2);
    out.bulk(ele);
    out.double(score);
  }
  deleteIfEmpty(c, key, z);
  return key;
}

function zpopMinMax(c: Client, argv: string[], where: number): void {
  if (argv.length > 3) {
    c.error(ERR_SYNTAX);
    return;
  }
  let count = -1;
  if (argv.length === 3) {
    const n = rangeIntArg(c, argv[2], 0, ERR_OUT_OF_RANGE);
    if (n === null) return;
    count = n;
  }
  genericZpop(c, argv, 1, 2, where, false, count, c.proto > 2 && count !== -1, false);
}

function zpopminCommand(c: Client, argv: string[]): void {
  zpopMinMax(c, argv, ZSET_MIN);
}

function zpopmaxCommand(c: Client, argv: string[]): void {
  zpopMinMax(c, argv, ZSET_MAX);
}

/** ZMPOP/BZMPOP arguments: numkeys key... MIN|MAX [COUNT n], from numkeysIdx. */
export interface MpopArgs {
  numkeys: number;
  where: number;
  count: number;
}

export function parseMpopArgs(c: Client, argv: string[], numkeysIdx: number): MpopArgs | null {
  const numkeys = rangeIntArg(c, argv[numkeysIdx], 1, 'ERR numkeys should be greater than 0');
  if (numkeys === null) return null;
  const whereIdx = numkeysIdx + numkeys + 1;
  if (whereIdx >= argv.length) {
    c.error(ERR_SYNTAX);
    return null;
  }
  let where: number;
  if (eq(argv[whereIdx], 'min')) where = ZSET_MIN;
  else if (eq(argv[whereIdx], 'max')) where = ZSET_MAX;
  else {
    c.error(ERR_SYNTAX);
    return null;
  }
  let count = -1;
  for (let j = whereIdx + 1; j < argv.length; j++) {
    const moreargs = argv.length - 1 - j;
    if (count === -1 && eq(argv[j], 'count') && moreargs > 0) {
      j++;
      const n = rangeIntArg(c, argv[j], 1, 'ERR count should be greater than 0');
      if (n === null) return null;
      count = n;
    } else {
      c.error(ERR_SYNTAX);
      return null;
    }
  }
  if (count === -1) count = 1;
  return { numkeys, where, count };
}

function zmpopCommand(c: Client, argv: string[]): void {
  const a = parseMpopArgs(c, argv, 1);
  if (a === null) return;
  const before = popSizeHint(c, argv, 2, 2 + a.numkeys);
  const key = genericZpop(c, argv, 2, 2 + a.numkeys, a.where, true, a.count, true, true);
  // Replicated as ZPOPMIN/ZPOPMAX key count (what was actually popped), as Redis does.
  if (key !== null)
    c.server.propagate(c.db.id, [
      a.where === ZSET_MAX ? 'ZPOPMAX' : 'ZPOPMIN',
      key,
      String(Math.min(a.count, before)),
    ]);
}

/** Length of the first existing zset among keys (for the propagated count). */
function popSizeHint(c: Client, keys: string[], from: number, to: number): number {
  for (let i = from; i < to; i++) {
    const v = c.db.dict.get(keys[i]);
    if (v instanceof ZSet) return v.length;
    if (v !== undefined) return 0;
  }
  return 0;
}

// ---- BZPOPMIN / BZPOPMAX / BZMPOP ------------------------------------------------------------

/** What a client blocked on sorted sets waits to do (c->bpop for BLOCKED_ZSET). */
interface ZpopWait {
  where: number;
  /** -1 for BZPOPMIN/BZPOPMAX, else BZMPOP's COUNT. */
  count: number;
  /** BZMPOP's reply shape: [key, [[member, score], ...]]. */
  mpop: boolean;
}

/** Propagates a served blocking pop as the ZPOPMIN/ZPOPMAX it amounts to. */
function propagateZpop(c: Client, key: string, where: number, count: number, llen: number): void {
  const cmd = where === ZSET_MAX ? 'ZPOPMAX' : 'ZPOPMIN';
  if (count === -1) c.server.propagate(c.db.id, [cmd, key]);
  else c.server.propagate(c.db.id, [cmd, key, String(Math.min(count, llen))]);
}

/** serveClientBlockedOnSortedSet: a key the client waits on now holds a sorted set. */
const ZPOP_BLOCK: BlockHandler = {
  type: 'zset',
  serve(c: Client, db: Database, key: string, arg: unknown): boolean {
    const w = arg as ZpopWait;
    const v = db.dict.get(key);
    const llen = v instanceof ZSet ? v.length : 0;
    if (llen === 0) return false;
    genericZpop(c, [key], 0, 1, w.where, true, w.count, w.mpop, w.mpop);
    propagateZpop(c, key, w.where, w.count, llen);
    return true;
  },
};

/**
 * blockingGenericZpopCommand: pops from the first non-empty key at once, or blocks until one
 * of the keys gets a sorted set (or the timeout passes).
 */
function blockingZpop(
  c: Client,
  keys: string[],
  from: number,
  to: number,
  where: number,
  timeoutArg: string,
  count: number,
  mpop: boolean,
): void {
  const timeout = parseTimeout(c, timeoutArg);
  if (timeout === null) return;
  for (let i = from; i < to; i++) {
    const key = keys[i];
    const z = writeZset(c, key);
    if (z === undefined) return;
    if (z === null || z.length === 0) continue;
    const llen = z.length;
    genericZpop(c, keys, i, i + 1, where, true, count, mpop, mpop);
    propagateZpop(c, key, where, count, llen);
    return;
  }
  // Inside MULTI or a script the client cannot wait: reply as on timeout.
  if (!mayBlock(c)) {
    c.out.nullArray();
    return;
  }
  const wait: ZpopWait = { where, count, mpop };
  c.server.blocking.blockForKeys(c, keys.slice(from, to), timeout, ZPOP_BLOCK, wait);
}

function bzpopminCommand(c: Client, argv: string[]): void {
  blockingZpop(c, argv, 1, argv.length - 1, ZSET_MIN, argv[argv.length - 1], -1, false);
}

function bzpopmaxCommand(c: Client, argv: string[]): void {
  blockingZpop(c, argv, 1, argv.length - 1, ZSET_MAX, argv[argv.length - 1], -1, false);
}

/** BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count] */
function bzmpopCommand(c: Client, argv: string[]): void {
  const a = parseMpopArgs(c, argv, 2);
  if (a === null) return;
  blockingZpop(c, argv, 3, 3 + a.numkeys, a.where, argv[1], a.count, true);
}

// ---- ZRANDMEMBER ------------------------------------------------------------------------------

function zrandmemberCommand(c: Client, argv: string[]): void {
  if (argv.length >= 3) {
    const v = parseInt64(argv[2]);
    if (v === null) {
      c.error(ERR_NOT_INTEGER);
      return;
    }
    if (v < -LONG_MAX) {
      c.error('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807');
      return;
    }
    const l = typeof v === 'bigint' ? Number(v) : v;
    let withscores = false;
    if (argv.length > 4 || (argv.length === 4 && !eq(argv[3], 'withscores'))) {
      c.error(ERR_SYNTAX);
      return;
    } else if (argv.length === 4) {
      withscores = true;
      if (v < -(LONG_MAX / 2n) || v > LONG_MAX / 2n) {
        c.error('ERR value is out of range');
        return;
      }
    }
    zrandmemberWithCount(c, argv[1], l, withscores);
    return;
  }
  const z = readZset(c, argv[1]);
  if (z === undefined) return;
  if (z === null) {
    c.out.nullBulk();
    return;
  }
  c.out.bulk(z.eleAt(z.randomPos()));
}

/** One ZRANDMEMBER entry: the member, and its score (RESP3: as a pair). */
function emitMember(c: Client, z: ZSet, p: number, withscores: boolean): void {
  const out = c.out;
  if (withscores && c.proto > 2) out.array(2);
  out.bulk(z.eleAt(p));
  if (withscores) out.double(z.scoreAt(p));
}

function zrandmemberWithCount(c: Client, key: string, l: number, withscores: boolean): void {
  const z = readZset(c, key);
  if (z === undefined) return;
  const out = c.out;
  if (z === null) {
    out.array(0);
    return;
  }
  const size = z.length;
  const uniq = l >= 0;
  let count = Math.abs(l);
  if (count === 0) {
    out.array(0);
    return;
  }
  const resp2 = c.proto === 2;
  // CASE 1: repeats allowed (or a single member): independent uniform picks, random order.
  if (!uniq || count === 1) {
    out.array(withscores && resp2 ? count * 2 : count);
    while (count-- > 0) {
      const p = z.randomPos();
      if (withscores && !resp2) out.array(2);
      out.bulk(z.eleAt(p));
      if (withscores) out.double(z.scoreAt(p));
    }
    return;
  }
  const replySize = count < size ? count : size;
  out.array(withscores && resp2 ? replySize * 2 : replySize);
  // CASE 2: the whole set, walked from the highest score down as Redis's iterator does.
  if (count >= size) {
    for (let p = z.last(); p !== -1; p = z.prev(p)) emitMember(c, z, p, withscores);
    return;
  }
  // CASE 3: most of the set: drop random members until `count` remain (arbitrary order).
  if (count * 3 > size) {
    const pos: number[] = [];
    for (let p = z.first(); p !== -1; p = z.next(p)) pos.push(p);
    let n = size;
    while (n > count) {
      const i = Math.floor(Math.random() * n);
      pos[i] = pos[--n];
    }
    for (let i = 0; i < count; i++) emitMember(c, z, pos[i], withscores);
    return;
  }
  // CASE 4: few members of a big set.
  if (z.isListpack) {
    // lpRandomPairsUnique: selection sampling, so the picks come in listpack order.
    let need = count;
    for (let i = 0; i < size && need > 0; i++) {
      if (Math.random() * (size - i) < need) {
        emitMember(c, z, i, withscores);
        need--;
      }
    }
    return;
  }
  const seen = new Set<number>();
  while (seen.size < count) {
    const p = z.randomPos();
    if (seen.has(p)) continue;
    seen.add(p);
    emitMember(c, z, p, withscores);
  }
}

// ---- ZSCAN --------------------------------------------------------------------------------

/** parseScanCursorOrReply: strtoul semantics ("" is 0, "-1" wraps, no leading space). */
function parseScanCursor(s: string): number | null {
  const n = s.length;
  if (n > 0 && (s.charCodeAt(0) === 32 || (s.charCodeAt(0) >= 9 && s.charCodeAt(0) <= 13))) return null;
  let i = 0;
  let neg = false;
  if (n > 0 && (s[0] === '+' || s[0] === '-')) {
    neg = s[0] === '-';
    i = 1;
  }
  let v = 0n;
  const digitsStart = i;
  while (i < n && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) {
    v = v * 10n + BigInt(s.charCodeAt(i) - 48);
    i++;
  }
  if (i === digitsStart) return n === 0 || s.charCodeAt(0) === 0 ? 0 : null;
  if (i < n && s.charCodeAt(i) !== 0) return null;
  if (v > 18446744073709551615n) return null;
  if (neg && v !== 0n) v = 18446744073709551616n - v;
  return Number(v);
}

function zscanCommand(c: Client, argv: string[]): void {
  const cursor = parseScanCursor(argv[2]);
  if (cursor === null) {
    c.error('ERR invalid cursor');
    return;
  }
  const z = readZset(c, argv[1]);
  if (z === undefined) return;
  const out = c.out;
  if (z === null) {
    out.array(2);
    out.bulk('0');
    out.array(0);
    return;
  }
  let count = 10;
  let pat: string | null = null;
  for (let i = 3; i < argv.length;) {
    const left = argv.length - i;
    if (eq(argv[i], 'count') && left >= 2) {
      const n = intArg(c, argv[i + 1]);
      if (n === null) return;
      if (n < 1) {
        c.error(ERR_SYNTAX);
        return;
      }
      count = n;
      i += 2;
    } else if (eq(argv[i], 'match') && left >= 2) {
      pat = argv[i + 1] === '*' ? null : argv[i + 1];
      i += 2;
    } else {
      c.error(ERR_SYNTAX);
      return;
    }
  }
  const items: number[] = [];
  let next = 0;
  if (z.isListpack) {
    for (let p = 0; p < z.length; p++) items.push(p);
  } else {
    next = z.scanStep(cursor, count, items);
  }
  let n = 0;
  if (pat !== null) {
    for (let i = 0; i < items.length; i++)
      if (globMatch(pat, z.eleAt(items[i]), false)) items[n++] = items[i];
    items.length = n;
  }
  out.array(2);
  out.bulk(String(next));
  out.array(items.length * 2);
  const lp = z.isListpack;
  for (let i = 0; i < items.length; i++) {
    const p = items[i];
    out.bulk(z.eleAt(p));
    const s = z.scoreAt(p);
    out.bulk(lp ? d2string(s) : formatDouble(s));
  }
}

// ---- ZUNION / ZINTER / ZDIFF ------------------------------------------------------------------

/**
 * What the set operations need from a plain set (score 1 for every member). Sets are
 * implemented elsewhere; any RObject of type 'set' with these methods works.
 */
export interface SetLike {
  readonly type: 'set';
  readonly size: number;
  has(member: string): boolean;
  members(): Iterable<string>;
}

export function isSetLike(v: RObject): v is RObject & SetLike {
  const s = v as unknown as Partial<SetLike>;
  return v.type === 'set' && typeof s.has === 'function' && typeof s.members === 'function';
}

const OP_UNION = 0;
const OP_INTER = 1;
const OP_DIFF = 2;
const AGGR_SUM = 0;
const AGGR_MIN = 1;
const AGGR_MAX = 2;

interface OpSrc {
  z: ZSet | null;
  set: SetLike | null;
  /** The value itself, to detect the same key given twice. */
  subject: RObject | null;
  weight: number;
}

function srcLength(s: OpSrc): number {
  if (s.z !== null) return s.z.length;
  if (s.set !== null) return s.set.size;
  return 0;
}

function srcFind(s: OpSrc, ele: string): number | undefined {
  if (s.z !== null) return s.z.getScore(ele);
  if (s.set !== null) return s.set.has(ele) ? 1 : undefined;
  return undefined;
}

/** zuiNext order: sorted sets from the highest score down, sets in their own order. */
function srcForEach(s: OpSrc, fn: (ele: string, score: number) => boolean | void): void {
  if (s.z !== null) {
    const z = s.z;
    for (let p = z.last(); p !== -1; p = z.prev(p)) if (fn(z.eleAt(p), z.scoreAt(p)) === false) return;
  } else if (s.set !== null) {
    for (const m of s.set.members()) if (fn(m, 1) === false) return;
  }
}

function aggregate(target: number, val: number, aggr: number): number {
  if (aggr === AGGR_SUM) {
    const r = target + val;
    // +inf + -inf: Redis keeps the convention of 0.
    return Number.isNaN(r) ? 0 : r;
  }
  if (aggr === AGGR_MIN) return val < target ? val : target;
  return val > target ? val : target;
}

function zsetOpGeneric(
  c: Client,
  argv: string[],
  dstkey: string | null,
  numkeysIndex: number,
  op: number,
  cardinalityOnly: boolean,
): void {
  const setnum = intArg(c, argv[numkeysIndex]);
  if (setnum === null) return;
  const cmdName = c.cmd?.fullName ?? argv[0].toLowerCase();
  if (setnum < 1) {
    c.error(`ERR at least 1 input key is needed for '${cmdName}' command`);
    return;
  }
  if (setnum > argv.length - (numkeysIndex + 1)) {
    c.error(ERR_SYNTAX);
    return;
  }
  const src: OpSrc[] = [];
  let j = numkeysIndex + 1;
  for (let i = 0; i < setnum; i++, j++) {
    const v = lookupReadCounted(c, argv[j]);
    const s: OpSrc = { z: null, set: null, subject: null, weight: 1 };
    if (v !== undefined) {
      if (v instanceof ZSet) s.z = v;
      else if (typeof v !== 'number' && isSetLike(v)) s.set = v;
      else {
        c.error(ERR_WRONGTYPE);
        return;
      }
      s.subject = v as RObject;
    }
    src.push(s);
  }
  let aggr = AGGR_SUM;
  let withscores = false;
  let limit = 0;
  let remaining = argv.length - j;
  while (remaining > 0) {
    const a = argv[j];
    if (op !== OP_DIFF && !cardinalityOnly && remaining >= setnum + 1 && eq(a, 'weights')) {
      j++;
      remaining--;
      for (let i = 0; i < setnum; i++, j++, remaining--) {
        const w = string2d(argv[j]);
        if (w === null) {
          c.error('ERR weight value is not a float');
          return;
        }
        src[i].weight = w;
      }
    } else if (op !== OP_DIFF && !cardinalityOnly && remaining >= 2 && eq(a, 'aggregate')) {
      j++;
      remaining--;
      const v = argv[j];
      if (eq(v, 'sum')) aggr = AGGR_SUM;
      else if (eq(v, 'min')) aggr = AGGR_MIN;
      else if (eq(v, 'max')) aggr = AGGR_MAX;
      else {
        c.error(ERR_SYNTAX);
        return;
      }
      j++;
      remaining--;
    } else if (remaining >= 1 && dstkey === null && !cardinalityOnly && eq(a, 'withscores')) {
      j++;
      remaining--;
      withscores = true;
    } else if (cardinalityOnly && remaining >= 2 && eq(a, 'limit')) {
      j++;
      remaining--;
      const n = rangeIntArg(c, argv[j], 0, "ERR LIMIT can't be negative");
      if (n === null) return;
      limit = n;
      j++;
      remaining--;
    } else {
      c.error(ERR_SYNTAX);
      return;
    }
  }
  // Smallest first (a stable sort, like glibc's merge-sort qsort).
  if (op !== OP_DIFF) src.sort((a, b) => srcLength(a) - srcLength(b));

  const dst = new ZSet(true);
  let maxelelen = 0;
  let cardinality = 0;
  if (op === OP_INTER) {
    if (srcLength(src[0]) > 0) {
      srcForEach(src[0], (ele, s0) => {
        let score = src[0].weight * s0;
        if (Number.isNaN(score)) score = 0;
        let k = 1;
        for (; k < src.length; k++) {
          if (src[k].subject === src[0].subject) {
            score = aggregate(score, s0 * src[k].weight, aggr);
          } else {
            const v = srcFind(src[k], ele);
            if (v === undefined) break;
            score = aggregate(score, v * src[k].weight, aggr);
          }
        }
        if (k === src.length) {
          if (cardinalityOnly) {
            cardinality++;
            if (limit && cardinality >= limit) return false;
          } else {
            dst.zsl!.insert(score, ele);
            if (ele.length > maxelelen) maxelelen = ele.length;
          }
        }
        return true;
      });
    }
  } else if (op === OP_UNION) {
    const acc = new Map<string, number>();
    for (const s of src) {
      if (srcLength(s) === 0) continue;
      srcForEach(s, (ele, sc) => {
        let score = s.weight * sc;
        if (Number.isNaN(score)) score = 0;
        const cur = acc.get(ele);
        if (cur === undefined) {
          if (ele.length > maxelelen) maxelelen = ele.length;
          acc.set(ele, score);
        } else {
          acc.set(ele, aggregate(cur, score, aggr));
        }
      });
    }
    for (const [ele, score] of acc) dst.zsl!.insert(score, ele);
  } else {
    // ZDIFF: the first set minus all others (nothing when the first is repeated).
    let repeated = false;
    for (let k = 1; k < src.length; k++)
      if (src[k].subject !== null && src[k].subject === src[0].subject) repeated = true;
    if (!repeated && srcLength(src[0]) > 0) {
      srcForEach(src[0], (ele, s0) => {
        for (let k = 1; k < src.length; k++) if (srcFind(src[k], ele) !== undefined) return;
        dst.zsl!.insert(s0, ele);
        if (ele.length > maxelelen) maxelelen = ele.length;
      });
    }
  }

  const out = c.out;
  if (dstkey !== null) {
    const n = dst.length;
    if (n) {
      dst.shrinkIfNeeded(maxelelen, limits(c));
      c.db.setKey(dstkey, dst);
      out.integer(n);
      c.server.keyModified(
        c.db,
        dstkey,
        NOTIFY_ZSET,
        op === OP_UNION ? 'zunionstore' : op === OP_INTER ? 'zinterstore' : 'zdiffstore',
      );
    } else {
      out.integer(0);
      if (c.db.delete(dstkey)) c.server.keyModified(c.db, dstkey, NOTIFY_GENERIC, 'del');
    }
  } else if (cardinalityOnly) {
    out.integer(cardinality);
  } else {
    const n = dst.length;
    out.array(withscores && c.proto === 2 ? n * 2 : n);
    const nested = withscores && c.proto > 2;
    for (let p = dst.first(); p !== -1; p = dst.next(p)) {
      if (nested) out.array(2);
      out.bulk(dst.eleAt(p));
      if (withscores) out.double(dst.scoreAt(p));
    }
  }
}

function zunionstoreCommand(c: Client, argv: string[]): void {
  zsetOpGeneric(c, argv, argv[1], 2, OP_UNION, false);
}

function zinterstoreCommand(c: Client, argv: string[]): void {
  zsetOpGeneric(c, argv, argv[1], 2, OP_INTER, false);
}

function zdiffstoreCommand(c: Client, argv: string[]): void {
  zsetOpGeneric(c, argv, argv[1], 2, OP_DIFF, false);
}

function zunionCommand(c: Client, argv: string[]): void {
  zsetOpGeneric(c, argv, null, 1, OP_UNION, false);
}

function zinterCommand(c: Client, argv: string[]): void {
  zsetOpGeneric(c, argv, null, 1, OP_INTER, false);
}

function zintercardCommand(c: Client, argv: string[]): void {
  zsetOpGeneric(c, argv, null, 1, OP_INTER, true);
}

function zdiffCommand(c: Client, argv: string[]): void {
  zsetOpGeneric(c, argv, null, 1, OP_DIFF, false);
}

// ---- Key positions of the movable-keys commands ------------------------------------------------

/** numkeys at argv[idx], then that many keys (ZUNION, ZINTER, ZDIFF, ZINTERCARD, ZMPOP, BZMPOP). */
function keysAfterNumkeys(argv: string[], idx: number, first: number[] = []): number[] {
  const out = first;
  const n = Number(argv[idx]);
  if (!Number.isInteger(n) || n < 1) return out;
  for (let i = 0; i < n && idx + 1 + i < argv.length; i++) out.push(idx + 1 + i);
  return out;
}

// ---- Command table --------------------------------------------------------------------------

function spec(
  name: string,
  arity: number,
  flags: CommandSpec['flags'],
  firstKey: number,
  lastKey: number,
  step: number,
  handler: CommandSpec['handler'],
  getKeys?: (argv: string[]) => number[],
): CommandSpec {
  return { name, arity, flags, firstKey, lastKey, step, acl: ['sortedset'], handler, getKeys };
}

export const specs: CommandSpec[] = [
  spec('zadd', -4, ['write', 'denyoom', 'fast'], 1, 1, 1, zaddCommand),
  spec('zincrby', 4, ['write', 'denyoom', 'fast'], 1, 1, 1, zincrbyCommand),
  spec('zrem', -3, ['write', 'fast'], 1, 1, 1, zremCommand),
  spec('zcard', 2, ['readonly', 'fast'], 1, 1, 1, zcardCommand),
  spec('zcount', 4, ['readonly', 'fast'], 1, 1, 1, zcountCommand),
  spec('zlexcount', 4, ['readonly', 'fast'], 1, 1, 1, zlexcountCommand),
  spec('zscore', 3, ['readonly', 'fast'], 1, 1, 1, zscoreCommand),
  spec('zmscore', -3, ['readonly', 'fast'], 1, 1, 1, zmscoreCommand),
  spec('zrank', -3, ['readonly', 'fast'], 1, 1, 1, zrankCommand),
  spec('zrevrank', -3, ['readonly', 'fast'], 1, 1, 1, zrevrankCommand),
  spec('zrange', -4, ['readonly'], 1, 1, 1, zrangeCommand),
  spec('zrangestore', -5, ['write', 'denyoom'], 1, 2, 1, zrangestoreCommand),
  spec('zrangebyscore', -4, ['readonly'], 1, 1, 1, zrangebyscoreCommand),
  spec('zrevrangebyscore', -4, ['readonly'], 1, 1, 1, zrevrangebyscoreCommand),
  spec('zrangebylex', -4, ['readonly'], 1, 1, 1, zrangebylexCommand),
  spec('zrevrangebylex', -4, ['readonly'], 1, 1, 1, zrevrangebylexCommand),
  spec('zrevrange', -4, ['readonly'], 1, 1, 1, zrevrangeCommand),
  spec('zremrangebyrank', 4, ['write'], 1, 1, 1, zremrangebyrankCommand),
  spec('zremrangebyscore', 4, ['write'], 1, 1, 1, zremrangebyscoreCommand),
  spec('zremrangebylex', 4, ['write'], 1, 1, 1, zremrangebylexCommand),
  spec('zpopmin', -2, ['write', 'fast'], 1, 1, 1, zpopminCommand),
  spec('zpopmax', -2, ['write', 'fast'], 1, 1, 1, zpopmaxCommand),
  spec('zmpop', -4, ['write', 'movablekeys'], 0, 0, 0, zmpopCommand, (a) => keysAfterNumkeys(a, 1)),
  spec('zrandmember', -2, ['readonly'], 1, 1, 1, zrandmemberCommand),
  spec('zunion', -3, ['readonly', 'movablekeys'], 0, 0, 0, zunionCommand, (a) => keysAfterNumkeys(a, 1)),
  spec('zinter', -3, ['readonly', 'movablekeys'], 0, 0, 0, zinterCommand, (a) => keysAfterNumkeys(a, 1)),
  spec('zdiff', -3, ['readonly', 'movablekeys'], 0, 0, 0, zdiffCommand, (a) => keysAfterNumkeys(a, 1)),
  spec('zunionstore', -4, ['write', 'denyoom', 'movablekeys'], 1, 1, 1, zunionstoreCommand, (a) =>
    keysAfterNumkeys(a, 2, [1]),
  ),
  spec('zinterstore', -4, ['write', 'denyoom', 'movablekeys'], 1, 1, 1, zinterstoreCommand, (a) =>
    keysAfterNumkeys(a, 2, [1]),
  ),
  spec('zdiffstore', -4, ['write', 'denyoom', 'movablekeys'], 1, 1, 1, zdiffstoreCommand, (a) =>
    keysAfterNumkeys(a, 2, [1]),
  ),
  spec('zintercard', -3, ['readonly', 'movablekeys'], 0, 0, 0, zintercardCommand, (a) =>
    keysAfterNumkeys(a, 1),
  ),
  spec('zscan', -3, ['readonly'], 1, 1, 1, zscanCommand),
  spec('bzpopmin', -3, ['write', 'noscript', 'blocking', 'fast'], 1, -2, 1, bzpopminCommand),
  spec('bzpopmax', -3, ['write', 'noscript', 'blocking', 'fast'], 1, -2, 1, bzpopmaxCommand),
  spec('bzmpop', -5, ['write', 'blocking', 'movablekeys'], 0, 0, 0, bzmpopCommand, (a) =>
    keysAfterNumkeys(a, 2),
  ),
];
