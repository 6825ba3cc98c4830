/**
 * StringStore: string values kept as bytes off the V8 heap.
 *
 * A string value is an integer handle (a small integer, not a heap object). Its bytes live in
 * slab chunks (1 MiB `Buffer`s) carved into size classes with free lists; values above
 * BIG_LIMIT get a Buffer of their own, grown geometrically, so SETRANGE/SETBIT/APPEND on a
 * large value mutate it in place. Per-handle metadata is one record of five 32-bit words
 * (location, length, capacity, LRU word, encoding) in a Uint32Array, so that reading or
 * writing a value touches one or two cache lines of metadata, not one per field; the records
 * are in pages of META_PAGE handles: growing never copies the whole table (a flat table of
 * 8M handles doubled by allocating and copying 176 MB at once, a pause of up to a second).
 *
 * Why: a keyspace that holds millions of heap strings makes every minor GC copy and promote
 * freshly written values, and those pauses become tail latency (see docs/ARCHITECTURE.md,
 * "Heap and GC"). Overwriting a value here writes bytes, allocates nothing on the heap.
 */
import { writeLatin1 } from '../util/latin1.js';

const CHUNK_SHIFT = 20;
const CHUNK_SIZE = 1 << CHUNK_SHIFT;
/** Values longer than this get a dedicated Buffer. */
export const BIG_LIMIT = 16 * 1024;

/** Encodings reported by OBJECT ENCODING for strings. */
export const ENC_RAW = 0;
export const ENC_EMBSTR = 1;
export const ENC_INT = 2;

/** Size classes: multiples of 8 up to 128, then 4 steps per power of two up to BIG_LIMIT. */
const CLASS_SIZES: number[] = [];
for (let s = 8; s <= 128; s += 8) CLASS_SIZES.push(s);
for (let p = 128; p < BIG_LIMIT; p *= 2) {
  for (let q = 1; q <= 4; q++) CLASS_SIZES.push(p + (p / 4) * q);
}
const CLASS_OF = new Uint8Array(BIG_LIMIT / 8 + 1); // (size+7)>>3 -> class index
{
  let c = 0;
  for (let u = 0; u <= BIG_LIMIT / 8; u++) {
    while (CLASS_SIZES[c] < u * 8) c++;
    CLASS_OF[u] = c;
  }
}

function classIndex(size: number): number {
  return CLASS_OF[(size + 7) >> 3];
}

const META_SHIFT = 16;
/** Handles per metadata page. */
export const META_PAGE = 1 << META_SHIFT;
const META_MASK = META_PAGE - 1;
/**
 * A handle's metadata record: five words at (h & META_MASK) * STRIDE of its page.
 * - LOC: where the bytes are, in 8-byte units (chunk*CHUNK_SIZE + offset, divided by 8: slab
 *   slots are 8-byte aligned, so up to 32 GB of slabs), or BIG_LOC for a dedicated buffer;
 * - LEN: the value's length; CAP: the bytes it may grow to in place;
 * - LRU: the LRU clock (seconds) of last access or the LFU word (OBJECT IDLETIME/FREQ,
 *   eviction); ENC: the encoding OBJECT ENCODING reports.
 */
const LOC = 0;
const LEN = 1;
const CAP = 2;
const LRU = 3;
const ENC = 4;
const STRIDE = 5;
/** LOC of a value in a dedicated buffer. */
const BIG_LOC = 0xffffffff;
/**
 * Most slab chunks a LOC word can address (32 GB, the last 8 bytes excepted: their LOC would
 * read as BIG_LOC). Past them new values get dedicated buffers instead.
 */
const MAX_CHUNKS = 2 ** (32 + 3 - CHUNK_SHIFT) - 1;
/** Metadata bytes per handle. */
const META_BYTES = STRIDE * 4;

/** The metadata records of META_PAGE handles (the first page starts smaller and doubles up to it). */
function newMetaPage(n: number, from?: Uint32Array): Uint32Array {
  const m = new Uint32Array(n * STRIDE);
  if (from !== undefined) m.set(from);
  return m;
}

/** A growable stack of doubles (free slot locations, free handles). */
class NumStack {
  data = new Float64Array(16);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const nd = new Float64Array(this.data.length * 2);
      nd.set(this.data);
      this.data = nd;
    }
    this.data[this.length++] = v;
  }
  pop(): number {
    return this.data[--this.length];
  }
}

export class StringStore {
  /** @param maxChunks slab chunks before values get dedicated buffers (tests scale it down). */
  constructor(private readonly maxChunks = MAX_CHUNKS) {}

  private chunks: Buffer[] = [];
  private bumpChunk = -1;
  private bumpPos = CHUNK_SIZE;
  private freeSlots: NumStack[] = CLASS_SIZES.map(() => new NumStack());
  private freeHandles = new NumStack();
  private nextHandle = 0;
  private capacity = 0;
  /** Handle h's metadata record: pages[h >>> META_SHIFT], at (h & META_MASK) * STRIDE. */
  private pages: Uint32Array[] = [];
  private big: (Buffer | undefined)[] = [];
  /** Bytes allocated for values (slots and dedicated buffers), for INFO memory. */
  allocatedBytes = 0;
  /** Bytes of the dedicated buffers (part of allocatedBytes). */
  private bigBytesTotal = 0;
  liveHandles = 0;

  /** Room for META_PAGE more handles, or doubles the first page while it is partial. */
  private grow(): void {
    const pages = this.pages;
    if (this.capacity < META_PAGE) {
      const n = Math.max(1024, this.capacity * 2);
      pages[0] = newMetaPage(n, pages[0]);
      this.capacity = n;
    } else {
      pages.push(newMetaPage(META_PAGE));
      this.capacity += META_PAGE;
    }
  }

  /** Where handle h's bytes are: chunk*CHUNK_SIZE + offset, or -1 for a dedicated buffer. */
  private locOf(h: number): number {
    const l = this.pages[h >>> META_SHIFT][(h & META_MASK) * STRIDE + LOC];
    return l === BIG_LOC ? -1 : l * 8;
  }

  /** Sets where handle h's bytes are (as locOf returns it) and how many fit there. */
  private place(h: number, loc: number, cap: number): void {
    const p = this.pages[h >>> META_SHIFT];
    const o = (h & META_MASK) * STRIDE;
    p[o + LOC] = loc === -1 ? BIG_LOC : loc / 8;
    p[o + CAP] = cap;
  }

  /** Sets handle h's length and encoding. */
  private setLength(h: number, n: number, enc: number): void {
    const p = this.pages[h >>> META_SHIFT];
    const o = (h & META_MASK) * STRIDE;
    p[o + LEN] = n;
    p[o + ENC] = enc;
  }

  /** Handle h's LRU word (clock or LFU counter, see Database.lruWord). */
  lruOf(h: number): number {
    return this.pages[h >>> META_SHIFT][(h & META_MASK) * STRIDE + LRU];
  }

  setLru(h: number, word: number): void {
    this.pages[h >>> META_SHIFT][(h & META_MASK) * STRIDE + LRU] = word;
  }

  private newHandle(): number {
    this.liveHandles++;
    if (this.freeHandles.length > 0) return this.freeHandles.pop();
    if (this.nextHandle === this.capacity) this.grow();
    return this.nextHandle++;
  }

  /** Allocates room for `size` bytes at handle h (sets loc and cap). */
  private allocSpace(h: number, size: number): void {
    if (size > BIG_LIMIT) {
      // Exactly the size, as Redis's SET sizes a new value: only resize() (APPEND, SETRANGE,
      // SETBIT) reserves room to grow, geometrically.
      this.allocBig(h, size);
      return;
    }
    const ci = classIndex(size === 0 ? 1 : size);
    const csize = CLASS_SIZES[ci];
    const fl = this.freeSlots[ci];
    let at: number;
    if (fl.length > 0) {
      at = fl.pop();
    } else {
      if (this.bumpPos + csize > CHUNK_SIZE && this.chunks.length >= this.maxChunks) {
        this.allocBig(h, size);
        return;
      }
      if (this.bumpPos + csize > CHUNK_SIZE) {
        // Rest of the current chunk goes to the free lists of the classes that fit.
        this.recycleTail();
        this.chunks.push(Buffer.allocUnsafeSlow(CHUNK_SIZE));
        this.bumpChunk = this.chunks.length - 1;
        this.bumpPos = 0;
      }
      at = this.bumpChunk * CHUNK_SIZE + this.bumpPos;
      this.bumpPos += csize;
    }
    this.place(h, at, csize);
    this.allocatedBytes += csize;
  }

  /** Gives handle h a dedicated Buffer of `cap` bytes (its old space already freed). */
  private allocBig(h: number, cap: number): Buffer {
    const b = Buffer.allocUnsafeSlow(cap);
    this.big[h] = b;
    this.place(h, -1, cap);
    this.allocatedBytes += cap;
    this.bigBytesTotal += cap;
    return b;
  }

  private recycleTail(): void {
    if (this.bumpChunk < 0) return;
    let rest = CHUNK_SIZE - this.bumpPos;
    while (rest >= 8) {
      let ci = classIndex(rest);
      if (CLASS_SIZES[ci] > rest) ci--;
      const cs = CLASS_SIZES[ci];
      this.freeSlots[ci].push(this.bumpChunk * CHUNK_SIZE + this.bumpPos);
      this.bumpPos += cs;
      rest -= cs;
    }
  }

  private freeSpace(h: number): void {
    const p = this.pages[h >>> META_SHIFT];
    const o = (h & META_MASK) * STRIDE;
    const cap = p[o + CAP];
    this.allocatedBytes -= cap;
    const l = p[o + LOC];
    if (l === BIG_LOC) {
      this.bigBytesTotal -= cap;
      this.big[h] = undefined;
      return;
    }
    this.freeSlots[classIndex(cap)].push(l * 8);
  }

  /** Buffer and offset where handle h's bytes start. */
  private where(h: number): [Buffer, number] {
    const l = this.locOf(h);
    if (l === -1) return [this.big[h]!, 0];
    const ci = Math.floor(l / CHUNK_SIZE);
    return [this.chunks[ci], l - ci * CHUNK_SIZE];
  }

  /**
   * The Buffer holding handle h's bytes, which start at bufferStart(h). Allocation-free
   * alternative to view() for hot paths (GET copies straight from here into the reply).
   */
  bufferOf(h: number): Buffer {
    const l = this.locOf(h);
    return l === -1 ? this.big[h]! : this.chunks[Math.floor(l / CHUNK_SIZE)];
  }

  bufferStart(h: number): number {
    const l = this.locOf(h);
    return l === -1 ? 0 : l % CHUNK_SIZE;
  }

  /** Creates a value from a latin1 string; returns its handle. */
  create(s: string, encoding = encodingFor(s)): number {
    const h = this.newHandle();
    this.allocSpace(h, s.length);
    this.writeString(h, s, encoding);
    return h;
  }

  /** Creates a raw value of n zero bytes, sized exactly (SETBIT/SETRANGE/BITFIELD on a new key). */
  createZeroed(n: number): number {
    const h = this.newHandle();
    this.allocSpace(h, n);
    const b = this.bufferOf(h);
    const off = this.bufferStart(h);
    if (n <= 64) for (let i = 0; i < n; i++) b[off + i] = 0;
    else b.fill(0, off, off + n);
    this.setLength(h, n, ENC_RAW);
    return h;
  }

  /** Creates a value from bytes. */
  createFromBytes(src: Buffer, start = 0, end = src.length): number {
    const h = this.newHandle();
    this.allocSpace(h, end - start);
    const [b, off] = this.where(h);
    const n = end - start;
    // Short values (most of an RDB file's): a loop costs less than Buffer.copy's call.
    if (n <= 32) for (let i = 0; i < n; i++) b[off + i] = src[start + i];
    else src.copy(b, off, start, end);
    this.setLength(h, n, n <= 44 ? ENC_EMBSTR : ENC_RAW);
    return h;
  }

  /** Replaces handle h's value with s, reusing its space when it fits. */
  overwrite(h: number, s: string, encoding = encodingFor(s)): void {
    this.reserveForOverwrite(h, s.length);
    this.writeString(h, s, encoding);
  }

  /** Replaces handle h's value with the bytes of src (a big argument: raw encoding). */
  overwriteFromBytes(h: number, src: Buffer): void {
    const n = src.length;
    this.reserveForOverwrite(h, n);
    src.copy(this.bufferOf(h), this.bufferStart(h), 0, n);
    this.setLength(h, n, n <= 44 ? ENC_EMBSTR : ENC_RAW);
  }

  /** create() for a value that came as text or, for a big argument, as bytes. */
  createValue(v: string | Buffer): number {
    return typeof v === 'string' ? this.create(v) : this.createFromBytes(v);
  }

  /** overwrite() for a value that came as text or, for a big argument, as bytes. */
  overwriteValue(h: number, v: string | Buffer): void {
    if (typeof v === 'string') this.overwrite(h, v);
    else this.overwriteFromBytes(h, v);
  }

  /** Room for an n-byte value in h: its space is reused when it fits and is not far too big. */
  private reserveForOverwrite(h: number, n: number): void {
    const p = this.pages[h >>> META_SHIFT];
    const o = (h & META_MASK) * STRIDE;
    const cap = p[o + CAP];
    const big = p[o + LOC] === BIG_LOC;
    if (n > cap || (big ? n <= BIG_LIMIT || cap > 2 * n : cap > 2 * n + 64)) {
      this.freeSpace(h);
      this.allocSpace(h, n);
    }
  }

  private writeString(h: number, s: string, encoding: number): void {
    writeLatin1(this.bufferOf(h), s, this.bufferStart(h));
    this.setLength(h, s.length, encoding);
  }

  free(h: number): void {
    this.freeSpace(h);
    this.pages[h >>> META_SHIFT][(h & META_MASK) * STRIDE + LEN] = 0;
    this.freeHandles.push(h);
    this.liveHandles--;
  }

  /** Copies the value into a new handle (COPY). */
  duplicate(h: number): number {
    const [b, off] = this.where(h);
    const n = this.length(h);
    const nh = this.createFromBytes(b, off, off + n);
    this.setEncoding(nh, this.encoding(h));
    return nh;
  }

  length(h: number): number {
    return this.pages[h >>> META_SHIFT][(h & META_MASK) * STRIDE + LEN];
  }

  encoding(h: number): number {
    return this.pages[h >>> META_SHIFT][(h & META_MASK) * STRIDE + ENC];
  }

  /** Bytes the value can grow to in place (SETBIT/BITFIELD reserve room geometrically). */
  capacityOf(h: number): number {
    return this.pages[h >>> META_SHIFT][(h & META_MASK) * STRIDE + CAP];
  }

  setEncoding(h: number, e: number): void {
    this.pages[h >>> META_SHIFT][(h & META_MASK) * STRIDE + ENC] = e;
  }

  /** The value as a latin1 string (allocates: use only where a JS string is needed). */
  toString(h: number): string {
    const [b, off] = this.where(h);
    return b.latin1Slice(off, off + this.length(h));
  }

  /** The bytes [start, end) of the value as a latin1 string. */
  slice(h: number, start: number, end: number): string {
    const [b, off] = this.where(h);
    return b.latin1Slice(off + start, off + end);
  }

  /** Calls fn with the Buffer and byte range that hold the value (no copy). */
  view(h: number): { buf: Buffer; start: number; end: number } {
    const [b, off] = this.where(h);
    return { buf: b, start: off, end: off + this.length(h) };
  }

  /**
   * Resizes the value to `newLen` bytes in place when capacity allows (zero-filling growth),
   * for SETRANGE/SETBIT/APPEND. Returns the Buffer and offset to write into.
   */
  resize(h: number, newLen: number): { buf: Buffer; start: number } {
    const old = this.length(h);
    if (newLen > this.capacityOf(h)) {
      const [ob, ooff] = this.where(h);
      // Greedy growth, like sdsMakeRoomFor: appends are amortised O(1).
      const want = newLen < 1024 * 1024 ? newLen * 2 : newLen + 1024 * 1024;
      let nb: Buffer;
      let noff: number;
      if (want > BIG_LIMIT) {
        // ob stays readable after freeSpace: a dedicated old buffer is only unlinked.
        this.freeSpace(h);
        nb = this.allocBig(h, want);
        noff = 0;
        ob.copy(nb, 0, ooff, ooff + old);
      } else {
        // The new slot is of a bigger size class than the freed one, so it cannot be the
        // same bytes: copy straight from the old place, no temporary.
        this.freeSpace(h);
        this.allocSpace(h, want);
        nb = this.bufferOf(h);
        noff = this.bufferStart(h);
        if (old > 0) ob.copy(nb, noff, ooff, ooff + old);
      }
    }
    const b = this.bufferOf(h);
    const off = this.bufferStart(h);
    if (newLen - old <= 64) for (let i = off + old; i < off + newLen; i++) b[i] = 0;
    else b.fill(0, off + old, off + newLen);
    this.setLength(h, newLen, ENC_RAW);
    return { buf: b, start: off };
  }

  /** Drops everything (FLUSHALL). */
  clear(): void {
    this.chunks = [];
    this.bumpChunk = -1;
    this.bumpPos = CHUNK_SIZE;
    this.freeSlots = CLASS_SIZES.map(() => new NumStack());
    this.freeHandles = new NumStack();
    this.nextHandle = 0;
    this.capacity = 0;
    this.pages = [];
    this.big = [];
    this.allocatedBytes = 0;
    this.bigBytesTotal = 0;
    this.liveHandles = 0;
  }

  /** Bytes held by slab chunks, dedicated buffers and metadata records (what the process holds). */
  footprint(): number {
    return this.chunks.length * CHUNK_SIZE + this.capacity * META_BYTES + this.bigBytesTotal;
  }

  /**
   * Bytes in use by live values and the metadata records (what used_memory counts, as
   * Redis counts allocated bytes: free slots in the slabs are reusable, like free memory
   * inside an allocator's arenas).
   */
  usedBytes(): number {
    return this.allocatedBytes + this.capacity * META_BYTES;
  }
}

/**
 * The encoding Redis would report for a fresh string value: `int` when it is a canonical
 * 64-bit integer of at most 20 chars, `embstr` up to 44 bytes, otherwise `raw`.
 */
export function encodingFor(s: string): number {
  const n = s.length;
  if (n <= 20 && n > 0 && isCanonicalInt(s)) return ENC_INT;
  return n <= 44 ? ENC_EMBSTR : ENC_RAW;
}

function isCanonicalInt(s: string): boolean {
  let i = 0;
  const n = s.length;
  if (s.charCodeAt(0) === 45) {
    if (n === 1) return false;
    i = 1;
  }
  const f = s.charCodeAt(i);
  if (f === 48) return n === 1;
  if (f < 49 || f > 57) return false;
  for (i++; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  if (n >= 19) {
    try {
      const b = BigInt(s);
      return b <= 9223372036854775807n && b >= -9223372036854775808n;
    } catch {
      return false;
    }
  }
  return true;
}
