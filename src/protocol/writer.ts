/**
 * Reply writer: encodes RESP2/RESP3 replies into one growable per-client buffer, which the
 * client flushes with a single socket write at the end of each read batch.
 * Methods pick the RESP3 type or its RESP2 fallback from `proto`, as Redis's addReply* do.
 *
 * This is the hot path of every reply: headers (`$12\r\n`, `:42\r\n`, `*3\r\n`) are written
 * digit by digit into the buffer instead of building a string and encoding it (about twice
 * as fast, see bench/protocol.ts), and short strings are copied by a JS loop, which beats
 * the native call for a handful of bytes.
 */
import { formatDouble } from '../util/numbers.js';
import { giveSpare, takeSpare } from '../util/spare-buffers.js';
import { writeLatin1 } from '../util/latin1.js';

const INITIAL = 16 * 1024;
/**
 * Replies past this size are handed over rather than copied, and such a buffer is not kept
 * by the client (one written whole goes to the spare pool, util/spare-buffers.ts).
 */
const LARGE = 64 * 1024;
/** Room for a prefix, a 20-digit int64 with sign, and CRLF. */
const HEADER_ROOM = 24;
/** Below this many bytes a byte loop beats Buffer.copy (which makes a view per call). */
const SMALL_COPY = 64;

const CR = 13;
const LF = 10;
const PLUS = 0x2b;
const MINUS = 0x2d;
const COLON = 0x3a;
const DOLLAR = 0x24;
const STAR = 0x2a;
const PERCENT = 0x25;
const TILDE = 0x7e;
const GT = 0x3e;
const UNDERSCORE = 0x5f;
const COMMA = 0x2c;
const EQUALS = 0x3d;
const LPAREN = 0x28;
const HASH = 0x23;

/** Number of decimal digits of a non-negative safe integer. */
function digitCount(n: number): number {
  let len = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    len++;
  }
  return len;
}

/** Writes the decimal digits of a non-negative safe integer at p; returns the new position. */
function writeDigits(b: Buffer, p: number, n: number): number {
  if (n < 10) {
    b[p] = 0x30 + n;
    return p + 1;
  }
  if (n < 100) {
    const t = (n / 10) | 0;
    b[p] = 0x30 + t;
    b[p + 1] = 0x30 + (n - t * 10);
    return p + 2;
  }
  const len = digitCount(n);
  let q = p + len - 1;
  while (n >= 10) {
    const t = Math.floor(n / 10);
    b[q--] = 0x30 + (n - t * 10);
    n = t;
  }
  b[q] = 0x30 + n;
  return p + len;
}

export class ReplyWriter {
  buf: Buffer = Buffer.allocUnsafe(INITIAL);
  pos = 0;
  proto: 2 | 3 = 2;

  /** Make room for n more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const nb = (size > LARGE && takeSpare(this.pos + n, size)) || Buffer.allocUnsafe(size);
    this.buf.copy(nb, 0, 0, this.pos);
    this.buf = nb;
  }

  /** Appends a latin1 string verbatim. */
  raw(s: string): void {
    const n = s.length;
    this.ensure(n);
    this.pos += writeLatin1(this.buf, s, this.pos);
  }

  rawBytes(src: Buffer, start = 0, end = src.length): void {
    const n = end - start;
    this.ensure(n);
    src.copy(this.buf, this.pos, start, end);
    this.pos += n;
  }

  /** `<prefix><n>\r\n` for a non-negative length or count. */
  private header(prefix: number, n: number): void {
    this.ensure(HEADER_ROOM);
    const b = this.buf;
    b[this.pos] = prefix;
    let p = writeDigits(b, this.pos + 1, n);
    b[p++] = CR;
    b[p++] = LF;
    this.pos = p;
  }

  /** A one-character type followed by CRLF (`_\r\n`) or a short fixed reply. */
  private line3(a: number, b1: number, c: number): void {
    this.ensure(3);
    const b = this.buf;
    const p = this.pos;
    b[p] = a;
    b[p + 1] = b1;
    b[p + 2] = c;
    this.pos = p + 3;
  }

  ok(): void {
    this.ensure(5);
    const b = this.buf;
    const p = this.pos;
    b[p] = PLUS;
    b[p + 1] = 0x4f; // O
    b[p + 2] = 0x4b; // K
    b[p + 3] = CR;
    b[p + 4] = LF;
    this.pos = p + 5;
  }

  status(s: string): void {
    this.ensure(1);
    this.buf[this.pos++] = PLUS;
    this.raw(s);
    this.crlf();
  }

  /** `msg` carries its own prefix (`ERR ...`, `WRONGTYPE ...`); newlines are replaced as Redis does. */
  error(msg: string): void {
    if (msg.indexOf('\r') !== -1 || msg.indexOf('\n') !== -1) msg = msg.replace(/[\r\n]/g, ' ');
    this.ensure(1);
    this.buf[this.pos++] = MINUS;
    this.raw(msg);
    this.crlf();
  }

  private crlf(): void {
    this.ensure(2);
    this.buf[this.pos++] = CR;
    this.buf[this.pos++] = LF;
  }

  integer(n: number | bigint): void {
    if (typeof n === 'number' && Number.isSafeInteger(n)) {
      this.ensure(HEADER_ROOM);
      const b = this.buf;
      let p = this.pos;
      b[p++] = COLON;
      if (n < 0) {
        b[p++] = MINUS;
        n = -n;
      }
      p = writeDigits(b, p, n);
      b[p++] = CR;
      b[p++] = LF;
      this.pos = p;
    } else {
      this.ensure(1);
      this.buf[this.pos++] = COLON;
      this.raw(String(n));
      this.crlf();
    }
  }

  bulk(s: string): void {
    const n = s.length;
    this.ensure(n + HEADER_ROOM);
    const b = this.buf;
    b[this.pos] = DOLLAR;
    let p = writeDigits(b, this.pos + 1, n);
    b[p++] = CR;
    b[p++] = LF;
    p += writeLatin1(b, s, p);
    b[p++] = CR;
    b[p++] = LF;
    this.pos = p;
  }

  /** A bulk string whose bytes sit in `src[start, end)` (e.g. an off-heap string value). */
  bulkBytes(src: Buffer, start: number, end: number): void {
    const n = end - start;
    this.ensure(n + HEADER_ROOM);
    const b = this.buf;
    b[this.pos] = DOLLAR;
    let p = writeDigits(b, this.pos + 1, n);
    b[p++] = CR;
    b[p++] = LF;
    if (n <= SMALL_COPY) {
      for (let i = start; i < end; i++) b[p++] = src[i];
    } else {
      src.copy(b, p, start, end);
      p += n;
    }
    b[p++] = CR;
    b[p++] = LF;
    this.pos = p;
  }

  bulkOrNull(s: string | null | undefined): void {
    if (s === null || s === undefined) this.nullBulk();
    else this.bulk(s);
  }

  /** Integer value sent as a bulk string (e.g. INCRBYFLOAT, CONFIG GET values). */
  bulkNumber(n: number | bigint): void {
    this.bulk(String(n));
  }

  nullBulk(): void {
    this.nullOf(DOLLAR);
  }

  nullArray(): void {
    this.nullOf(STAR);
  }

  /** A null: `_` in RESP3; in RESP2 `$-1` or `*-1`, after the type byte given. */
  private nullOf(resp2Type: number): void {
    if (this.proto === 3) {
      this.line3(UNDERSCORE, CR, LF);
      return;
    }
    this.ensure(5);
    const b = this.buf;
    const p = this.pos;
    b[p] = resp2Type;
    b[p + 1] = MINUS;
    b[p + 2] = 0x31;
    b[p + 3] = CR;
    b[p + 4] = LF;
    this.pos = p + 5;
  }

  array(n: number): void {
    this.header(STAR, n);
  }

  /** A map of n pairs: RESP3 `%`, RESP2 a flat array of 2n elements. */
  map(n: number): void {
    if (this.proto === 3) this.header(PERCENT, n);
    else this.header(STAR, n * 2);
  }

  set(n: number): void {
    this.header(this.proto === 3 ? TILDE : STAR, n);
  }

  push(n: number): void {
    this.header(this.proto === 3 ? GT : STAR, n);
  }

  /** A double, formatted as Redis 7.0 does (`%.17g`, `inf`, `-inf`). */
  double(d: number): void {
    const s = formatDouble(d);
    if (this.proto === 3) {
      this.ensure(1);
      this.buf[this.pos++] = COMMA;
      this.raw(s);
      this.crlf();
    } else this.bulk(s);
  }

  bool(v: boolean): void {
    if (this.proto === 3) {
      this.ensure(4);
      const b = this.buf;
      const p = this.pos;
      b[p] = HASH;
      b[p + 1] = v ? 0x74 : 0x66; // t / f
      b[p + 2] = CR;
      b[p + 3] = LF;
      this.pos = p + 4;
    } else {
      this.integer(v ? 1 : 0);
    }
  }

  /** Verbatim string (RESP3 `=`), a plain bulk string in RESP2. `format` is 3 characters. */
  verbatim(s: string, format = 'txt'): void {
    if (this.proto === 3) {
      this.header(EQUALS, s.length + 4);
      this.raw(format);
      this.ensure(1);
      this.buf[this.pos++] = COLON;
      this.raw(s);
      this.crlf();
    } else this.bulk(s);
  }

  bigNumber(s: string): void {
    if (this.proto === 3) {
      this.ensure(1);
      this.buf[this.pos++] = LPAREN;
      this.raw(s);
      this.crlf();
    } else this.bulk(s);
  }

  /**
   * Reserves room for an aggregate header whose length is not known yet (Redis's
   * addReplyDeferredLen). Returns a marker for `setDeferred*`.
   */
  deferLen(): number {
    return this.pos;
  }

  /** Inserts `<prefix><n>\r\n` at marker, moving what was written since. */
  private insertHeader(marker: number, prefix: number, n: number): void {
    const hl = digitCount(n) + 3;
    this.ensure(hl);
    const b = this.buf;
    b.copy(b, marker + hl, marker, this.pos);
    b[marker] = prefix;
    const p = writeDigits(b, marker + 1, n);
    b[p] = CR;
    b[p + 1] = LF;
    this.pos += hl;
  }

  setDeferredArray(marker: number, n: number): void {
    this.insertHeader(marker, STAR, n);
  }

  setDeferredMap(marker: number, n: number): void {
    if (this.proto === 3) this.insertHeader(marker, PERCENT, n);
    else this.insertHeader(marker, STAR, n * 2);
  }

  setDeferredSet(marker: number, n: number): void {
    this.insertHeader(marker, this.proto === 3 ? TILDE : STAR, n);
  }

  /**
   * The pending bytes as a view of the buffer itself, for a socket write without a copy. The
   * caller must then call `released(held)`: the view stays valid only until the next write
   * into this writer, so a socket that keeps it (an incomplete write) takes the buffer over.
   */
  view(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  /**
   * Empties the writer after its view() was written. `held`: the socket still holds the view,
   * so the buffer is handed over and a fresh one used. A buffer grown past 64 KB for a large
   * reply is dropped too, so an idle client does not keep it.
   */
  released(held: boolean): void {
    this.pos = 0;
    if (held) {
      this.buf = Buffer.allocUnsafe(INITIAL);
    } else if (this.buf.length > LARGE) {
      // Written whole: the next large reply (of any client) can reuse it.
      giveSpare(this.buf);
      this.buf = Buffer.allocUnsafe(INITIAL);
    }
  }

  /** Takes the pending bytes out (for the socket write) and resets the buffer. */
  take(): Buffer | null {
    const n = this.pos;
    if (n === 0) return null;
    let out: Buffer;
    if (n > LARGE) {
      // Large reply: hand over the buffer itself instead of copying it.
      out = this.buf.subarray(0, n);
      this.buf = Buffer.allocUnsafe(INITIAL);
    } else {
      out = Buffer.allocUnsafe(n);
      this.buf.copy(out, 0, 0, n);
    }
    this.pos = 0;
    return out;
  }
}
