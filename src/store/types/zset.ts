/**
 * The sorted set type (t_zset.c). Two encodings, as Redis 7.0 reports them:
 * - `listpack`: small sets as two parallel arrays sorted by (score, member) — members and
 *   scores — scanned linearly like Redis's listpack. Scores pass through the listpack's
 *   text form in Redis, which turns -0 into 0; so does this one.
 * - `skiplist`: a ZSkipList (typed-array skiplist with spans + member -> node Map).
 * A set converts to `skiplist` when it would exceed `zset-max-listpack-entries` entries or
 * gets a member longer than `zset-max-listpack-value` bytes, and never converts back (except
 * the STORE commands' results, which Redis builds big and shrinks when small enough).
 *
 * Positions: commands walk a set through integer positions — an index for listpack, a node
 * id for skiplist — with first/last/next/prev/eleAt/scoreAt; -1 means none.
 */
import type { RObject } from '../database.js';
import { ZSkipList } from './skiplist.js';
import { v8StringSize } from './alloc.js';

export const ZADD_IN_INCR = 1;
export const ZADD_IN_NX = 2;
export const ZADD_IN_XX = 4;
export const ZADD_IN_GT = 8;
export const ZADD_IN_LT = 16;

export const ZADD_OUT_NAN = 1;
export const ZADD_OUT_ADDED = 2;
export const ZADD_OUT_UPDATED = 4;
export const ZADD_OUT_NOP = 8;

/** A score interval (zrangespec). */
export interface ScoreRange {
  min: number;
  max: number;
  minex: boolean;
  maxex: boolean;
}

/** One end of a lexicographic interval: kind -1 = `-`, 1 = `+`, 0 = the string s. */
export interface LexBound {
  kind: -1 | 0 | 1;
  s: string;
  ex: boolean;
}

export interface LexRange {
  min: LexBound;
  max: LexBound;
}

/** Thresholds from config (zset-max-listpack-entries / -value). */
export interface ZsetLimits {
  maxEntries: number;
  maxValue: number;
}

/** sdscmplex: a member (or bound) against a bound, with `-`/`+` as the infinities. */
function lexCmp(v: string, b: LexBound): number {
  if (b.kind === -1) return 1;
  if (b.kind === 1) return -1;
  return v < b.s ? -1 : v > b.s ? 1 : 0;
}

export function lexGteMin(v: string, r: LexRange): boolean {
  const c = lexCmp(v, r.min);
  return r.min.ex ? c > 0 : c >= 0;
}

export function lexLteMax(v: string, r: LexRange): boolean {
  const c = lexCmp(v, r.max);
  return r.max.ex ? c < 0 : c <= 0;
}

/**
 * zslIsInLexRange: false for ranges that are always empty, and unless the last member is
 * >= min and the first is <= max (with members of mixed scores this decides, as in Redis).
 */
function lexRangeOverlaps(r: LexRange, firstEle: string, lastEle: string): boolean {
  const a = r.min;
  const b = r.max;
  let c: number;
  if (a.kind === b.kind && a.kind !== 0) c = 0;
  else if (a.kind === -1 || b.kind === 1) c = -1;
  else if (a.kind === 1 || b.kind === -1) c = 1;
  else c = memcmpDiff(a.s, b.s);
  if (c > 0 || (c === 0 && (a.ex || b.ex))) return false;
  return lexGteMin(lastEle, r) && lexLteMax(firstEle, r);
}

/** sdscmp's value: the difference of the first differing bytes, else the length difference. */
function memcmpDiff(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a.charCodeAt(i) - b.charCodeAt(i);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

export function scoreGteMin(v: number, r: ScoreRange): boolean {
  return r.minex ? v > r.min : v >= r.min;
}

export function scoreLteMax(v: number, r: ScoreRange): boolean {
  return r.maxex ? v < r.max : v <= r.max;
}

/** zslIsInRange: the range is not empty and overlaps [first, last]. */
function scoreRangeOverlaps(r: ScoreRange, first: number, last: number): boolean {
  if (r.min > r.max || (r.min === r.max && (r.minex || r.maxex))) return false;
  return scoreGteMin(last, r) && scoreLteMax(first, r);
}

export class ZSet implements RObject {
  readonly type = 'zset' as const;
  lru = 0;
  /** listpack form (null once converted). */
  lpEle: string[] | null = [];
  lpScore: number[] | null = [];
  /** skiplist form (null while listpack). */
  zsl: ZSkipList | null = null;

  /** A new empty set in the listpack encoding, or skiplist when `big`. */
  constructor(big = false) {
    if (big) this.toSkiplist();
  }

  /** The encoding ZADD picks for a new key from its first member (zaddGenericCommand). */
  static forFirstMember(len: number, limits: ZsetLimits): ZSet {
    return new ZSet(limits.maxEntries === 0 || limits.maxValue < len);
  }

  get length(): number {
    return this.zsl !== null ? this.zsl.length : this.lpEle!.length;
  }

  get isListpack(): boolean {
    return this.zsl === null;
  }

  encoding(): string {
    return this.zsl !== null ? 'skiplist' : 'listpack';
  }

  clone(): ZSet {
    const z = new ZSet(this.zsl !== null);
    if (this.zsl === null) {
      z.lpEle = this.lpEle!.slice();
      z.lpScore = this.lpScore!.slice();
    } else {
      // From the tail down, so each insert lands at the head (O(1) per element).
      const src = this.zsl;
      const dst = z.zsl!;
      for (let x = src.tail; x !== 0; x = src.prevOf(x)) dst.insert(src.scoreOf(x), src.eleOf(x));
    }
    return z;
  }

  memoryUsage(): number {
    let bytes = 64;
    if (this.zsl === null) {
      const e = this.lpEle!;
      bytes += 32 + e.length * 12;
      for (let i = 0; i < e.length; i++) bytes += v8StringSize(e[i].length);
    } else {
      const z = this.zsl;
      bytes += z.arrayBytes();
      for (let i = 1; i <= z.length; i++) bytes += v8StringSize(z.ele[i].length);
    }
    return bytes;
  }

  /** zsetConvert to skiplist. */
  toSkiplist(): void {
    if (this.zsl !== null) return;
    const e = this.lpEle!;
    const s = this.lpScore!;
    const z = new ZSkipList(Math.max(16, e.length));
    for (let i = e.length - 1; i >= 0; i--) z.insert(s[i], e[i]);
    this.zsl = z;
    this.lpEle = null;
    this.lpScore = null;
  }

  /** zsetConvertToListpackIfNeeded (STORE results): back to listpack when small enough. */
  shrinkIfNeeded(maxelelen: number, limits: ZsetLimits): void {
    const z = this.zsl;
    if (z === null) return;
    if (z.length > limits.maxEntries || maxelelen > limits.maxValue) return;
    const e: string[] = [];
    const s: number[] = [];
    for (let x = z.first(); x !== 0; x = z.nextOf(x)) {
      const sc = z.scoreOf(x);
      e.push(z.eleOf(x));
      s.push(sc === 0 ? 0 : sc);
    }
    this.lpEle = e;
    this.lpScore = s;
    this.zsl = null;
  }

  /** Score of a member, or undefined. */
  getScore(ele: string): number | undefined {
    if (this.zsl !== null) {
      const n = this.zsl.nodeOf(ele);
      return n === 0 ? undefined : this.zsl.scoreOf(n);
    }
    const i = this.lpEle!.indexOf(ele);
    return i === -1 ? undefined : this.lpScore![i];
  }

  has(ele: string): boolean {
    return this.zsl !== null ? this.zsl.has(ele) : this.lpEle!.indexOf(ele) !== -1;
  }

  /** Index where (score, ele) belongs in the listpack arrays. */
  private lpInsertPos(score: number, ele: string): number {
    const e = this.lpEle!;
    const s = this.lpScore!;
    let lo = 0;
    let hi = e.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const ms = s[mid];
      if (ms < score || (ms === score && e[mid] < ele)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private lpInsert(score: number, ele: string): void {
    // The listpack stores the score as text (d2string), which loses the sign of zero.
    if (score === 0) score = 0;
    const i = this.lpInsertPos(score, ele);
    this.lpEle!.splice(i, 0, ele);
    this.lpScore!.splice(i, 0, score);
  }

  /** Last computed score of add() (newscore). */
  newScore = 0;

  /**
   * zsetAdd: adds or updates a member under ZADD_IN_* flags. Returns ZADD_OUT_* flags
   * (ZADD_OUT_NAN when the result would be NaN: nothing changed); `newScore` holds the
   * resulting score when the member was added or updated.
   */
  add(score: number, ele: string, flags: number, limits: ZsetLimits): number {
    const incr = (flags & ZADD_IN_INCR) !== 0;
    const nx = (flags & ZADD_IN_NX) !== 0;
    const xx = (flags & ZADD_IN_XX) !== 0;
    const gt = (flags & ZADD_IN_GT) !== 0;
    const lt = (flags & ZADD_IN_LT) !== 0;
    if (Number.isNaN(score)) return ZADD_OUT_NAN;
    if (this.zsl === null) {
      const i = this.lpEle!.indexOf(ele);
      if (i !== -1) {
        if (nx) return ZADD_OUT_NOP;
        const cur = this.lpScore![i];
        if (incr) {
          score += cur;
          if (Number.isNaN(score)) return ZADD_OUT_NAN;
        }
        if ((lt && score >= cur) || (gt && score <= cur)) return ZADD_OUT_NOP;
        this.newScore = score;
        if (score !== cur) {
          this.lpEle!.splice(i, 1);
          this.lpScore!.splice(i, 1);
          this.lpInsert(score, ele);
          return ZADD_OUT_UPDATED;
        }
        return 0;
      }
      if (xx) return ZADD_OUT_NOP;
      if (this.lpEle!.length + 1 > limits.maxEntries || ele.length > limits.maxValue) {
        this.toSkiplist();
      } else {
        this.lpInsert(score, ele);
        this.newScore = score;
        return ZADD_OUT_ADDED;
      }
    }
    const z = this.zsl!;
    const node = z.nodeOf(ele);
    if (node !== 0) {
      if (nx) return ZADD_OUT_NOP;
      const cur = z.scoreOf(node);
      if (incr) {
        score += cur;
        if (Number.isNaN(score)) return ZADD_OUT_NAN;
      }
      if ((lt && score >= cur) || (gt && score <= cur)) return ZADD_OUT_NOP;
      this.newScore = score;
      if (score !== cur) {
        z.updateScore(node, score);
        return ZADD_OUT_UPDATED;
      }
      return 0;
    }
    if (xx) return ZADD_OUT_NOP;
    z.insert(score, ele);
    this.newScore = score;
    return ZADD_OUT_ADDED;
  }

  /** Removes a member; false when absent. */
  delete(ele: string): boolean {
    if (this.zsl !== null) return this.zsl.delete(ele);
    const i = this.lpEle!.indexOf(ele);
    if (i === -1) return false;
    this.lpEle!.splice(i, 1);
    this.lpScore!.splice(i, 1);
    return true;
  }

  /** 0-based rank of a member (from the highest score when reverse), or -1. */
  rank(ele: string, reverse: boolean): number {
    const n = this.length;
    let r: number;
    if (this.zsl !== null) {
      const n = this.zsl.nodeOf(ele);
      if (n === 0) return -1;
      r = this.zsl.getRank(this.zsl.scoreOf(n), ele) - 1;
    } else {
      r = this.lpEle!.indexOf(ele);
      if (r === -1) return -1;
    }
    return reverse ? n - 1 - r : r;
  }

  // ---- Positions ------------------------------------------------------------------------

  first(): number {
    if (this.zsl !== null) {
      const x = this.zsl.first();
      return x === 0 ? -1 : x;
    }
    return this.lpEle!.length === 0 ? -1 : 0;
  }

  last(): number {
    if (this.zsl !== null) return this.zsl.tail === 0 ? -1 : this.zsl.tail;
    return this.lpEle!.length - 1;
  }

  next(p: number): number {
    if (this.zsl !== null) {
      const x = this.zsl.nextOf(p);
      return x === 0 ? -1 : x;
    }
    return p + 1 < this.lpEle!.length ? p + 1 : -1;
  }

  prev(p: number): number {
    if (this.zsl !== null) {
      const x = this.zsl.prevOf(p);
      return x === 0 ? -1 : x;
    }
    return p - 1;
  }

  eleAt(p: number): string {
    return this.zsl !== null ? this.zsl.eleOf(p) : this.lpEle![p];
  }

  scoreAt(p: number): number {
    return this.zsl !== null ? this.zsl.scoreOf(p) : this.lpScore![p];
  }

  /** Position of the element at 0-based rank r (0 <= r < length). */
  atRank(r: number): number {
    if (this.zsl !== null) return this.zsl.getElementByRank(r + 1);
    return r;
  }

  /** A uniformly random position (the set is not empty). */
  randomPos(): number {
    const n = this.length;
    const i = Math.floor(Math.random() * n);
    return this.zsl !== null ? this.zsl.nodeOfId(i + 1) : i;
  }

  /** First position in a score range, or -1 (zslFirstInRange / zzlFirstInRange). */
  firstInRange(r: ScoreRange): number {
    if (this.length === 0 || !scoreRangeOverlaps(r, this.scoreAt(this.first()), this.scoreAt(this.last())))
      return -1;
    let p: number;
    if (this.zsl !== null) {
      const x = this.zsl.firstGte(r.min, r.minex);
      p = x === 0 ? -1 : x;
    } else {
      const s = this.lpScore!;
      p = -1;
      for (let i = 0; i < s.length; i++) {
        if (scoreGteMin(s[i], r)) {
          p = i;
          break;
        }
      }
    }
    if (p === -1 || !scoreLteMax(this.scoreAt(p), r)) return -1;
    return p;
  }

  lastInRange(r: ScoreRange): number {
    if (this.length === 0 || !scoreRangeOverlaps(r, this.scoreAt(this.first()), this.scoreAt(this.last())))
      return -1;
    let p: number;
    if (this.zsl !== null) {
      const x = this.zsl.lastLte(r.max, r.maxex);
      p = x === 0 ? -1 : x;
    } else {
      const s = this.lpScore!;
      p = -1;
      for (let i = s.length - 1; i >= 0; i--) {
        if (scoreLteMax(s[i], r)) {
          p = i;
          break;
        }
      }
    }
    if (p === -1 || !scoreGteMin(this.scoreAt(p), r)) return -1;
    return p;
  }

  firstInLexRange(r: LexRange): number {
    if (this.length === 0 || !lexRangeOverlaps(r, this.eleAt(this.first()), this.eleAt(this.last())))
      return -1;
    let p: number;
    if (this.zsl !== null) {
      let x: number;
      if (r.min.kind === -1) x = this.zsl.first();
      else if (r.min.kind === 1) x = 0;
      else x = this.zsl.firstLexGte(r.min.s, r.min.ex);
      p = x === 0 ? -1 : x;
    } else {
      const e = this.lpEle!;
      p = -1;
      for (let i = 0; i < e.length; i++) {
        if (lexGteMin(e[i], r)) {
          p = i;
          break;
        }
      }
    }
    if (p === -1 || !lexLteMax(this.eleAt(p), r)) return -1;
    return p;
  }

  lastInLexRange(r: LexRange): number {
    if (this.length === 0 || !lexRangeOverlaps(r, this.eleAt(this.first()), this.eleAt(this.last())))
      return -1;
    let p: number;
    if (this.zsl !== null) {
      let x: number;
      if (r.max.kind === 1) x = this.zsl.tail;
      else if (r.max.kind === -1) x = 0;
      else x = this.zsl.lastLexLte(r.max.s, r.max.ex);
      p = x === 0 ? -1 : x;
    } else {
      const e = this.lpEle!;
      p = -1;
      for (let i = e.length - 1; i >= 0; i--) {
        if (lexLteMax(e[i], r)) {
          p = i;
          break;
        }
      }
    }
    if (p === -1 || !lexGteMin(this.eleAt(p), r)) return -1;
    return p;
  }

  /** Number of elements in a score range (ZCOUNT). */
  countInRange(r: ScoreRange): number {
    const f = this.firstInRange(r);
    if (f === -1) return 0;
    const l = this.lastInRange(r);
    return this.rankOfPos(l) - this.rankOfPos(f) + 1;
  }

  countInLexRange(r: LexRange): number {
    const f = this.firstInLexRange(r);
    if (f === -1) return 0;
    const l = this.lastInLexRange(r);
    if (l === -1) return 0;
    return this.rankOfPos(l) - this.rankOfPos(f) + 1;
  }

  /** 0-based rank of a position. */
  rankOfPos(p: number): number {
    if (this.zsl === null) return p;
    return this.zsl.getRank(this.zsl.scoreOf(p), this.zsl.eleOf(p)) - 1;
  }

  // ---- Range deletion (ZREMRANGEBY*) -----------------------------------------------------

  /** Deletes 0-based ranks start..end (inclusive, already clamped); returns the count. */
  deleteRangeByRank(start: number, end: number): number {
    if (this.zsl !== null) return this.zsl.deleteRangeByRank(start + 1, end + 1);
    const n = end - start + 1;
    this.lpEle!.splice(start, n);
    this.lpScore!.splice(start, n);
    return n;
  }

  deleteRangeByScore(r: ScoreRange): number {
    if (this.zsl !== null) return this.zsl.deleteRangeByScore(r.min, r.minex, r.max, r.maxex);
    const s = this.lpScore!;
    const i = this.firstInRange(r);
    if (i === -1) return 0;
    let j = i;
    while (j < s.length && scoreLteMax(s[j], r)) j++;
    this.lpEle!.splice(i, j - i);
    s.splice(i, j - i);
    return j - i;
  }

  deleteRangeByLex(r: LexRange): number {
    if (this.zsl !== null) {
      if (r.min.kind === 1 || r.max.kind === -1) return 0;
      return this.zsl.deleteRangeByLex(
        r.min.kind === -1 ? null : r.min.s,
        r.min.ex,
        r.max.kind === 1 ? null : r.max.s,
        r.max.ex,
      );
    }
    // zzlDeleteRangeByLex starts from zzlFirstInLexRange.
    const e = this.lpEle!;
    const i = this.firstInLexRange(r);
    if (i === -1) return 0;
    let j = i;
    while (j < e.length && lexLteMax(e[j], r)) j++;
    e.splice(i, j - i);
    this.lpScore!.splice(i, j - i);
    return j - i;
  }

  /**
   * One ZSCAN step over the skiplist encoding: visits up to `count` members from cursor
   * (0 = start) downwards by dense id, pushing their positions; returns the next cursor
   * (0 = done).
   */
  scanStep(cursor: number, count: number, out: number[]): number {
    const z = this.zsl!;
    let i = cursor === 0 ? z.length : Math.min(cursor, z.length);
    for (let n = 0; n < count && i >= 1; n++, i--) out.push(z.nodeOfId(i));
    return i < 1 ? 0 : i;
  }
}
