/**
 * The list type (Redis 7.0's quicklist; OBJECT ENCODING always reports `quicklist`).
 *
 * Two internal forms, invisible to clients:
 * - small: a plain array of latin1 strings, for lists of at most SMALL_MAX elements (a
 *   handful of heap objects is cheaper than a byte chunk's fixed cost);
 * - chunked: a circular deque of chunks, each holding up to K elements as bytes in one
 *   `Buffer` plus a typed array of start offsets (Uint16Array while the chunk's buffer is
 *   below 64 KiB, Int32Array above). Every chunk except the first and the last holds exactly
 *   K elements, so element i is found in O(1) by arithmetic; pushes and pops touch only the
 *   end chunks (O(1) amortised); LSET rewrites one chunk; LINSERT moves the elements on the
 *   shorter side; LREM rebuilds. A 1,000,000-element list of short values costs about as many
 *   bytes as its payload plus 2-3 bytes per element (see docs in the report / bench).
 *
 * The form grows from small to chunked past SMALL_MAX and never goes back (as Redis never
 * converts a quicklist back); a list emptied by a command is deleted by that command.
 * Replies are written through `BulkSink` (the ReplyWriter satisfies it), straight from the
 * chunk's bytes, so LRANGE/LPOP allocate no strings.
 */
import type { RObject } from '../database.js';
import { externalBuffer, externalLatin1, release, tracked } from '../external.js';
import { writeLatin1 } from '../../util/latin1.js';

export const LIST_HEAD = 0;
export const LIST_TAIL = 1;

/** Where replies go: the ReplyWriter has these methods (the store does not import protocol/). */
export interface BulkSink {
  bulk(s: string): void;
  bulkBytes(buf: Buffer, start: number, end: number): void;
}

/** Largest list kept as an array of strings. */
export const SMALL_MAX = 16;
/** Elements per chunk (a power of two). */
const K_SHIFT = 9;
const K = 1 << K_SHIFT;
const K_MASK = K - 1;
/** Byte positions that fit a Uint16Array offset table. */
const U16_LIMIT = 0xffff;
/**
 * Elements of this many bytes or more live in a Buffer of their own (referenced from the
 * chunk's `big` column) rather than inline: a chunk's buffer then stays below K * BIG_ELEM
 * bytes, so large values are never copied when a chunk grows or is compacted.
 */
export const BIG_ELEM = 8192;

type Offsets = Uint16Array | Int32Array;

function newOffsets(n: number, dataLen: number): Offsets {
  return tracked(dataLen <= U16_LIMIT ? new Uint16Array(n) : new Int32Array(n));
}

/**
 * One chunk: elements in slots [lo, hi) of `st`; slot s holds the bytes
 * data[st[s], s + 1 < hi ? st[s + 1] : bhi), or, when big[s] is set, that Buffer (its
 * inline bytes are then empty). Bytes in use are data[blo, bhi).
 */
class Chunk {
  /** Out-of-line elements by slot (same indexes as st), or null while there are none. */
  big: (Buffer | undefined)[] | null = null;

  constructor(
    public data: Buffer,
    public st: Offsets,
    public lo: number,
    public hi: number,
    public blo: number,
    public bhi: number,
  ) {}

  /** The out-of-line Buffer of slot s, if it has one. */
  bigAt(s: number): Buffer | undefined {
    return this.big === null ? undefined : this.big[s];
  }

  private setBig(s: number, b: Buffer | undefined): void {
    if (this.big === null) {
      if (b === undefined) return;
      this.big = new Array(this.st.length);
    }
    this.big[s] = b;
  }

  /**
   * An empty chunk that grows towards the tail (atTail) or the head. `neighbour` is the full
   * chunk it is added next to: its size predicts this one's, so a chunk that fills the same
   * way is allocated once instead of doubling its way up (less copying and fragmentation).
   */
  static create(atTail: boolean, firstLen: number, neighbour: Chunk | null = null): Chunk {
    let size = Math.max(64, Math.min(firstLen, BIG_ELEM) * 2);
    let slots = 8;
    if (neighbour !== null) {
      const used = neighbour.bhi - neighbour.blo;
      // A little headroom: a seal that copies (or a growth) leaves garbage that fragments malloc.
      size = Math.max(size, firstLen + used + (used >> 6) + 64);
      slots = K;
    }
    const data = externalBuffer(size);
    const st = newOffsets(slots, size);
    return atTail ? new Chunk(data, st, 0, 0, 0, 0) : new Chunk(data, st, slots, slots, size, size);
  }

  get count(): number {
    return this.hi - this.lo;
  }

  start(s: number): number {
    return this.st[s];
  }

  end(s: number): number {
    return s + 1 < this.hi ? this.st[s + 1] : this.bhi;
  }

  /** Re-lays the slot table with `front` free slots before the elements and capacity cap. */
  private relaySlots(cap: number, front: number): void {
    const n = this.hi - this.lo;
    const st = this.st;
    const ns = tracked(this.data.length <= U16_LIMIT ? new Uint16Array(cap) : new Int32Array(cap));
    for (let i = 0; i < n; i++) ns[front + i] = st[this.lo + i];
    release(st);
    const big = this.big;
    if (big !== null) {
      const nb: (Buffer | undefined)[] = new Array(cap);
      for (let i = 0; i < n; i++) nb[front + i] = big[this.lo + i];
      this.big = nb;
    }
    this.st = ns;
    this.lo = front;
    this.hi = front + n;
  }

  /** Makes room for one more slot at the tail (atTail) or the head. */
  growSlots(atTail: boolean): void {
    const n = this.hi - this.lo;
    const cap = this.st.length;
    if (cap < K) {
      const ncap = Math.min(K, cap * 2);
      // New room goes to the side that needs it.
      this.relaySlots(ncap, atTail ? this.lo : this.lo + (ncap - cap));
      if (atTail ? this.hi < ncap : this.lo > 0) return;
    }
    // At full capacity with room only on the other side: split the room evenly, so that
    // alternating pushes at both ends of a single chunk do not re-lay it every time.
    const room = this.st.length - n;
    const front = atTail ? room >> 1 : room - (room >> 1);
    this.relaySlots(this.st.length, front);
  }

  /**
   * Moves the bytes in use into a buffer of `size` bytes starting at `nblo`, shifting the
   * offsets (and widening the offset table when positions no longer fit 16 bits).
   */
  private relayData(size: number, nblo: number): void {
    const old = this.data;
    const nd = size === old.length ? old : externalBuffer(size);
    old.copy(nd, nblo, this.blo, this.bhi);
    if (nd !== old) release(old);
    const delta = nblo - this.blo;
    let st = this.st;
    if (size > U16_LIMIT && st instanceof Uint16Array) {
      const wide = tracked(new Int32Array(st.length));
      wide.set(st);
      release(st);
      st = this.st = wide;
    }
    if (delta !== 0) for (let s = this.lo; s < this.hi; s++) st[s] += delta;
    this.data = nd;
    this.bhi += delta;
    this.blo = nblo;
  }

  /** Makes room for `need` more bytes at the tail (atTail) or the head. */
  growData(atTail: boolean, need: number): void {
    const used = this.bhi - this.blo;
    const size = this.data.length;
    if (used + need <= size >> 1) {
      // Enough space overall, on the wrong side: re-centre in place (copy handles overlap).
      const room = size - used;
      const front = atTail ? (room - need) >> 1 : need + ((room - need) >> 1);
      this.relayData(size, front);
      return;
    }
    // A chunk sized from its neighbour (all K slots) is near its final size: grow in steps
    // of 1/8 (still geometric) rather than doubling, which seal() would copy back down.
    const step = this.st.length >= K ? size >> 3 : size;
    const nsize = Math.max(used + need, size + step);
    this.relayData(nsize, atTail ? 0 : nsize - used);
  }

  pushTail(s: string): void {
    const len = s.length;
    if (this.hi === this.st.length) this.growSlots(true);
    if (len >= BIG_ELEM) {
      this.pushTailBig(externalLatin1(s));
      return;
    }
    if (this.bhi + len > this.data.length) this.growData(true, len);
    this.st[this.hi++] = this.bhi;
    writeLatin1(this.data, s, this.bhi);
    this.bhi += len;
  }

  pushHead(s: string): void {
    const len = s.length;
    if (this.lo === 0) this.growSlots(false);
    if (len >= BIG_ELEM) {
      this.st[--this.lo] = this.blo;
      this.setBig(this.lo, externalLatin1(s));
      return;
    }
    if (this.blo < len) this.growData(false, len);
    this.blo -= len;
    writeLatin1(this.data, s, this.blo);
    this.st[--this.lo] = this.blo;
  }

  /** Appends an out-of-line element (shared: big Buffers are never written in place). */
  pushTailBig(b: Buffer): void {
    if (this.hi === this.st.length) this.growSlots(true);
    this.st[this.hi] = this.bhi;
    this.setBig(this.hi, b);
    this.hi++;
  }

  /** Appends bytes copied from src (used when rebuilding a list without making strings). */
  pushTailBytes(src: Buffer, start: number, end: number): void {
    const len = end - start;
    if (this.hi === this.st.length) this.growSlots(true);
    if (this.bhi + len > this.data.length) this.growData(true, len);
    this.st[this.hi++] = this.bhi;
    src.copy(this.data, this.bhi, start, end);
    this.bhi += len;
  }

  /** Drops n elements from the head. */
  dropHead(n: number): void {
    const big = this.big;
    if (big !== null) for (let s = this.lo; s < this.lo + n; s++) big[s] = undefined;
    this.lo += n;
    this.blo = this.lo < this.hi ? this.st[this.lo] : this.bhi;
  }

  /** Drops n elements from the tail. */
  dropTail(n: number): void {
    const big = this.big;
    if (big !== null) for (let s = this.hi - n; s < this.hi; s++) big[s] = undefined;
    this.hi -= n;
    this.bhi = this.lo < this.hi ? this.st[this.hi] : this.blo;
  }

  /**
   * Shrinks the buffer to the bytes in use once the chunk is full and inner (it will not grow
   * again) when its slack is more than 1/16: below that, the copy's garbage costs more.
   */
  seal(): void {
    const used = this.bhi - this.blo;
    const old = this.st;
    const narrow = used <= U16_LIMIT && old instanceof Int32Array;
    if (this.data.length - used <= used >> 4 && !narrow) return;
    const nd = externalBuffer(Math.max(used, 1));
    this.data.copy(nd, 0, this.blo, this.bhi);
    release(this.data);
    const st = narrow ? tracked(new Uint16Array(old.length)) : old;
    const blo = this.blo;
    for (let s = this.lo; s < this.hi; s++) st[s] = old[s] - blo;
    if (narrow) release(old);
    this.st = st;
    this.data = nd;
    this.blo = 0;
    this.bhi = used;
  }

  /** Replaces the element of slot s with str (LSET). */
  replace(s: number, value: string): void {
    const isBig = value.length >= BIG_ELEM;
    this.setBig(s, isBig ? externalLatin1(value) : undefined);
    const str = isBig ? '' : value;
    const start = this.st[s];
    const end = this.end(s);
    const delta = str.length - (end - start);
    if (delta === 0) {
      this.data.latin1Write(str, start);
      return;
    }
    const used = this.bhi - this.blo + delta;
    const nsize = Math.max(64, used + (used >> 2));
    const nd = externalBuffer(nsize);
    // New layout from 0: [blo, start) + str + [end, bhi).
    this.data.copy(nd, 0, this.blo, start);
    const nstart = start - this.blo;
    nd.latin1Write(str, nstart);
    this.data.copy(nd, nstart + str.length, end, this.bhi);
    release(this.data);
    let st = this.st;
    if (nsize > U16_LIMIT && st instanceof Uint16Array) {
      const wide = tracked(new Int32Array(st.length));
      wide.set(st);
      release(st);
      st = this.st = wide;
    }
    const shift = -this.blo;
    for (let i = this.lo; i <= s; i++) st[i] += shift;
    for (let i = s + 1; i < this.hi; i++) st[i] += shift + delta;
    this.data = nd;
    this.blo = 0;
    this.bhi = used;
  }

  /** Frees the chunk's buffers now (it is being dropped; out-of-line elements may be shared). */
  free(): void {
    release(this.data);
    release(this.st);
  }

  clone(): Chunk {
    const used = this.bhi - this.blo;
    const nd = externalBuffer(Math.max(used, 1));
    this.data.copy(nd, 0, this.blo, this.bhi);
    const st = newOffsets(this.st.length, nd.length);
    for (let s = this.lo; s < this.hi; s++) st[s] = this.st[s] - this.blo;
    const ch = new Chunk(nd, st, this.lo, this.hi, 0, used);
    if (this.big !== null) ch.big = this.big.slice();
    return ch;
  }

  /** Bytes held out of line. */
  bigBytes(): number {
    let n = 0;
    if (this.big !== null) for (let s = this.lo; s < this.hi; s++) n += this.big[s]?.length ?? 0;
    return n;
  }
}

/** Element s of a chunk as a latin1 string. */
function elementString(ch: Chunk, s: number): string {
  const b = ch.bigAt(s);
  return b !== undefined ? b.latin1Slice(0, b.length) : ch.data.latin1Slice(ch.st[s], ch.end(s));
}

/** An argument compared with list elements (LPOS, LREM, LINSERT): its bytes made once. */
export class Needle {
  readonly bytes: Buffer | null;
  constructor(readonly str: string) {
    this.bytes = str.length > 16 ? Buffer.from(str, 'latin1') : null;
  }

  /** Whether data[start, end) holds exactly this needle. */
  matches(data: Buffer, start: number, end: number): boolean {
    const s = this.str;
    const n = s.length;
    if (end - start !== n) return false;
    if (this.bytes !== null) return this.bytes.compare(data, start, end) === 0;
    for (let i = 0; i < n; i++) if (data[start + i] !== s.charCodeAt(i)) return false;
    return true;
  }
}

export class ListValue implements RObject {
  readonly type = 'list' as const;
  lru = 0;
  /** The small form, or null once chunked. */
  private small: string[] | null = [];
  /** The chunked form: a circular deque of chunks. */
  private chunks: (Chunk | undefined)[] = [];
  private cHead = 0;
  private cCount = 0;
  private len = 0;

  get length(): number {
    return this.len;
  }

  encoding(): string {
    return 'quicklist';
  }

  // ---- Chunk deque ----------------------------------------------------------------------

  private chunkAt(j: number): Chunk {
    return this.chunks[(this.cHead + j) & (this.chunks.length - 1)]!;
  }

  private growDeque(): void {
    const old = this.chunks;
    const cap = Math.max(4, old.length * 2);
    const nc: (Chunk | undefined)[] = new Array(cap);
    for (let j = 0; j < this.cCount; j++) nc[j] = old[(this.cHead + j) & (old.length - 1)];
    this.chunks = nc;
    this.cHead = 0;
  }

  private addChunk(atTail: boolean, ch: Chunk): void {
    if (this.cCount === this.chunks.length) this.growDeque();
    if (atTail) {
      if (this.cCount > 0) this.chunkAt(this.cCount - 1).seal();
      this.chunks[(this.cHead + this.cCount) & (this.chunks.length - 1)] = ch;
    } else {
      if (this.cCount > 0) this.chunkAt(0).seal();
      this.cHead = (this.cHead - 1) & (this.chunks.length - 1);
      this.chunks[this.cHead] = ch;
    }
    this.cCount++;
  }

  private removeHeadChunk(): void {
    this.chunks[this.cHead]!.free();
    this.chunks[this.cHead] = undefined;
    this.cHead = (this.cHead + 1) & (this.chunks.length - 1);
    this.cCount--;
  }

  private removeTailChunk(): void {
    const j = (this.cHead + this.cCount - 1) & (this.chunks.length - 1);
    this.chunks[j]!.free();
    this.chunks[j] = undefined;
    this.cCount--;
  }

  /** Chunk index and slot of element i (0 <= i < len), left in locC / locS. */
  private locC = 0;
  private locS = 0;
  private locate(i: number): Chunk {
    const first = this.chunkAt(0);
    const f = first.hi - first.lo;
    if (i < f) {
      this.locC = 0;
      this.locS = first.lo + i;
      return first;
    }
    const j = i - f;
    const ci = 1 + Math.floor(j / K);
    const ch = this.chunkAt(ci);
    this.locC = ci;
    this.locS = ch.lo + (j & K_MASK);
    return ch;
  }

  private toChunked(): void {
    const items = this.small!;
    this.small = null;
    this.chunks = new Array(4);
    this.cHead = 0;
    this.cCount = 0;
    const ch = Chunk.create(true, 0);
    this.addChunk(true, ch);
    for (let i = 0; i < items.length; i++) ch.pushTail(items[i]);
  }

  // ---- Pushes and pops --------------------------------------------------------------------

  push(s: string, where: number): void {
    if (where === LIST_HEAD) this.pushHead(s);
    else this.pushTail(s);
  }

  pushTail(s: string): void {
    const small = this.small;
    if (small !== null) {
      if (small.length < SMALL_MAX) {
        small.push(s);
        this.len++;
        return;
      }
      this.toChunked();
    }
    let last = this.cCount > 0 ? this.chunkAt(this.cCount - 1) : null;
    if (last === null || last.hi - last.lo >= K) {
      last = Chunk.create(true, s.length, last);
      this.addChunk(true, last);
    }
    last.pushTail(s);
    this.len++;
  }

  pushHead(s: string): void {
    const small = this.small;
    if (small !== null) {
      if (small.length < SMALL_MAX) {
        small.unshift(s);
        this.len++;
        return;
      }
      this.toChunked();
    }
    let first = this.cCount > 0 ? this.chunkAt(0) : null;
    if (first === null || first.hi - first.lo >= K) {
      first = Chunk.create(false, s.length, first);
      this.addChunk(false, first);
    }
    first.pushHead(s);
    this.len++;
  }

  /** Removes and returns the element at the head or tail; undefined when empty. */
  pop(where: number): string | undefined {
    if (this.len === 0) return undefined;
    const small = this.small;
    this.len--;
    if (small !== null) return where === LIST_HEAD ? small.shift() : small.pop();
    if (where === LIST_HEAD) {
      const ch = this.chunkAt(0);
      const s = elementString(ch, ch.lo);
      ch.dropHead(1);
      if (ch.lo === ch.hi) this.removeHeadChunk();
      return s;
    }
    const ch = this.chunkAt(this.cCount - 1);
    const s = elementString(ch, ch.hi - 1);
    ch.dropTail(1);
    if (ch.lo === ch.hi) this.removeTailChunk();
    return s;
  }

  /** Drops n elements (n <= length) from the head. */
  dropHead(n: number): void {
    if (n <= 0) return;
    this.len -= n;
    if (this.small !== null) {
      this.small.splice(0, n);
      return;
    }
    while (n > 0) {
      const ch = this.chunkAt(0);
      const c = ch.hi - ch.lo;
      if (n >= c) {
        this.removeHeadChunk();
        n -= c;
      } else {
        ch.dropHead(n);
        n = 0;
      }
    }
  }

  /** Drops n elements (n <= length) from the tail. */
  dropTail(n: number): void {
    if (n <= 0) return;
    this.len -= n;
    if (this.small !== null) {
      this.small.length -= n;
      return;
    }
    while (n > 0) {
      const ch = this.chunkAt(this.cCount - 1);
      const c = ch.hi - ch.lo;
      if (n >= c) {
        this.removeTailChunk();
        n -= c;
      } else {
        ch.dropTail(n);
        n = 0;
      }
    }
  }

  // ---- Reads ------------------------------------------------------------------------------

  /** Element i as a string (0 <= i < length). */
  at(i: number): string {
    if (this.small !== null) return this.small[i];
    return elementString(this.locate(i), this.locS);
  }

  /** Writes `count` elements from index `start` as bulk replies; reverse walks towards the head. */
  writeRange(out: BulkSink, start: number, count: number, reverse = false): void {
    if (count <= 0) return;
    const small = this.small;
    if (small !== null) {
      if (reverse) for (let i = 0; i < count; i++) out.bulk(small[start - i]);
      else for (let i = 0; i < count; i++) out.bulk(small[start + i]);
      return;
    }
    let ch = this.locate(start);
    let ci = this.locC;
    let s = this.locS;
    if (!reverse) {
      for (;;) {
        const n = Math.min(count, ch.hi - s);
        const data = ch.data;
        const st = ch.st;
        const big = ch.big;
        for (let k = 0; k < n; k++, s++) {
          const b = big === null ? undefined : big[s];
          if (b !== undefined) out.bulkBytes(b, 0, b.length);
          else out.bulkBytes(data, st[s], s + 1 < ch.hi ? st[s + 1] : ch.bhi);
        }
        count -= n;
        if (count === 0) return;
        ch = this.chunkAt(++ci);
        s = ch.lo;
      }
    }
    for (;;) {
      const n = Math.min(count, s - ch.lo + 1);
      const data = ch.data;
      const st = ch.st;
      const big = ch.big;
      for (let k = 0; k < n; k++, s--) {
        const b = big === null ? undefined : big[s];
        if (b !== undefined) out.bulkBytes(b, 0, b.length);
        else out.bulkBytes(data, st[s], s + 1 < ch.hi ? st[s + 1] : ch.bhi);
      }
      count -= n;
      if (count === 0) return;
      ch = this.chunkAt(--ci);
      s = ch.hi - 1;
    }
  }

  /** Whether element i equals the needle. */
  matchAt(i: number, needle: Needle): boolean {
    if (this.small !== null) return this.small[i] === needle.str;
    const ch = this.locate(i);
    const s = this.locS;
    const b = ch.bigAt(s);
    if (b !== undefined) return needle.matches(b, 0, b.length);
    return needle.matches(ch.data, ch.st[s], ch.end(s));
  }

  /** Index of the first element equal to needle from the head, or -1 (LINSERT's pivot). */
  indexOf(needle: Needle): number {
    const small = this.small;
    if (small !== null) return small.indexOf(needle.str);
    let i = 0;
    for (let j = 0; j < this.cCount; j++) {
      const ch = this.chunkAt(j);
      const data = ch.data;
      const st = ch.st;
      for (let s = ch.lo; s < ch.hi; s++, i++) {
        const b = ch.bigAt(s);
        if (
          b !== undefined
            ? needle.matches(b, 0, b.length)
            : needle.matches(data, st[s], s + 1 < ch.hi ? st[s + 1] : ch.bhi)
        )
          return i;
      }
    }
    return -1;
  }

  // ---- Updates in the middle -------------------------------------------------------------

  /** Replaces element i (0 <= i < length). */
  set(i: number, s: string): void {
    if (this.small !== null) {
      this.small[i] = s;
      return;
    }
    const ch = this.locate(i);
    ch.replace(this.locS, s);
  }

  /** Inserts s so that it becomes element i (0 <= i <= length). */
  insert(i: number, s: string): void {
    const small = this.small;
    if (small !== null && small.length < SMALL_MAX) {
      small.splice(i, 0, s);
      this.len++;
      return;
    }
    const n = this.len;
    if (i <= n - i) {
      // Move the i elements before the position out and back in at the head.
      const moved: string[] = new Array(i);
      for (let k = 0; k < i; k++) moved[k] = this.pop(LIST_HEAD)!;
      this.pushHead(s);
      for (let k = i - 1; k >= 0; k--) this.pushHead(moved[k]);
    } else {
      const m = n - i;
      const moved: string[] = new Array(m);
      for (let k = 0; k < m; k++) moved[k] = this.pop(LIST_TAIL)!;
      this.pushTail(s);
      for (let k = m - 1; k >= 0; k--) this.pushTail(moved[k]);
    }
  }

  /** Removes element i of a chunked list by moving the elements on its shorter side out and back. */
  private removeAt(i: number): void {
    const n = this.len;
    if (i < n - 1 - i) {
      const moved: string[] = new Array(i);
      for (let k = 0; k < i; k++) moved[k] = this.pop(LIST_HEAD)!;
      this.pop(LIST_HEAD);
      for (let k = i - 1; k >= 0; k--) this.pushHead(moved[k]);
    } else {
      const m = n - 1 - i;
      const moved: string[] = new Array(m);
      for (let k = 0; k < m; k++) moved[k] = this.pop(LIST_TAIL)!;
      this.pop(LIST_TAIL);
      for (let k = m - 1; k >= 0; k--) this.pushTail(moved[k]);
    }
  }

  /**
   * Removes up to `limit` elements equal to needle (0 = all), scanning from the head, or
   * from the tail when fromTail (LREM). Returns how many were removed.
   */
  removeMatching(needle: Needle, limit: number, fromTail: boolean): number {
    const n = this.len;
    const small = this.small;
    if (small !== null) {
      let removed = 0;
      if (!fromTail) {
        let w = 0;
        for (let r = 0; r < n; r++) {
          const v = small[r];
          if (v === needle.str && (limit === 0 || removed < limit)) removed++;
          else small[w++] = v;
        }
        small.length = w;
      } else {
        for (let r = n - 1; r >= 0 && (limit === 0 || removed < limit); r--) {
          if (small[r] === needle.str) {
            small.splice(r, 1);
            removed++;
          }
        }
      }
      this.len -= removed;
      return removed;
    }
    // One match (LREM key ±1 x: how queues drop a finished item) moves the elements on the
    // shorter side instead of rebuilding every chunk.
    if (limit === 1) {
      for (let k = 0; k < n; k++) {
        const i = fromTail ? n - 1 - k : k;
        if (this.matchAt(i, needle)) {
          this.removeAt(i);
          return 1;
        }
      }
      return 0;
    }
    // Mark the doomed positions, then rebuild the chunks from the survivors' bytes.
    const doomed = new Uint8Array(n);
    let removed = 0;
    if (!fromTail) {
      for (let i = 0; i < n && (limit === 0 || removed < limit); i++) {
        if (this.matchAt(i, needle)) {
          doomed[i] = 1;
          removed++;
        }
      }
    } else {
      for (let i = n - 1; i >= 0 && (limit === 0 || removed < limit); i--) {
        if (this.matchAt(i, needle)) {
          doomed[i] = 1;
          removed++;
        }
      }
    }
    if (removed === 0) return 0;
    const old = this.chunks;
    const oldHead = this.cHead;
    const oldCount = this.cCount;
    this.chunks = new Array(4);
    this.cHead = 0;
    this.cCount = 0;
    this.len = 0;
    let i = 0;
    let cur: Chunk | null = null;
    for (let j = 0; j < oldCount; j++) {
      const ch = old[(oldHead + j) & (old.length - 1)]!;
      for (let s = ch.lo; s < ch.hi; s++, i++) {
        if (doomed[i] === 1) continue;
        if (cur === null || cur.hi - cur.lo >= K) {
          cur = Chunk.create(true, 0, cur);
          this.addChunk(true, cur);
        }
        const b = ch.bigAt(s);
        if (b !== undefined) cur.pushTailBig(b);
        else cur.pushTailBytes(ch.data, ch.st[s], ch.end(s));
        this.len++;
      }
      ch.free();
    }
    return removed;
  }

  // ---- RObject ------------------------------------------------------------------------------

  clone(): ListValue {
    const l = new ListValue();
    l.len = this.len;
    if (this.small !== null) {
      l.small = this.small.slice();
      return l;
    }
    l.small = null;
    l.chunks = new Array(Math.max(4, this.chunks.length));
    for (let j = 0; j < this.cCount; j++) l.chunks[j] = this.chunkAt(j).clone();
    l.cCount = this.cCount;
    return l;
  }

  memoryUsage(): number {
    let bytes = 48;
    if (this.small !== null) {
      bytes += 16 + this.small.length * 8;
      for (const s of this.small) bytes += 16 + ((s.length + 7) & ~7);
      return bytes;
    }
    bytes += 16 + this.chunks.length * 8;
    for (let j = 0; j < this.cCount; j++) {
      const ch = this.chunkAt(j);
      bytes += 400 + ch.data.length + ch.st.byteLength + ch.bigBytes();
    }
    return bytes;
  }

  /** All elements, head first (DUMP/RDB, debugging). */
  toArray(): string[] {
    const out: string[] = new Array(this.len);
    for (let i = 0; i < this.len; i++) out[i] = this.at(i);
    return out;
  }

  static fromArray(items: readonly string[]): ListValue {
    const l = new ListValue();
    for (let i = 0; i < items.length; i++) l.pushTail(items[i]);
    return l;
  }
}
