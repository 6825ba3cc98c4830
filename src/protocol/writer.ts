/**
 * Reply writer: encodes RESP2/RESP3 replies into one growable per-client buffer, which the
 * client flushes with a single socket write at the end of each read batch.
 * Methods pick the RESP3 type or its RESP2 fallback from `proto`, as Redis's addReply* do.
 */
import { formatDouble } from '../util/numbers.js';

const INITIAL = 16 * 1024;

export class ReplyWriter {
  buf: Buffer = Buffer.allocUnsafe(INITIAL);
  pos = 0;
  proto: 2 | 3 = 2;

  /** Make room for n more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const nb = Buffer.allocUnsafe(size);
    this.buf.copy(nb, 0, 0, this.pos);
    this.buf = nb;
  }

  /** Appends a latin1 string verbatim. */
  raw(s: string): void {
    this.ensure(s.length);
    this.pos += this.buf.latin1Write(s, this.pos);
  }

  rawBytes(src: Buffer, start = 0, end = src.length): void {
    const n = end - start;
    this.ensure(n);
    src.copy(this.buf, this.pos, start, end);
    this.pos += n;
  }

  ok(): void {
    this.raw('+OK\r\n');
  }

  status(s: string): void {
    this.raw('+' + s + '\r\n');
  }

  /** `msg` carries its own prefix (`ERR ...`, `WRONGTYPE ...`); newlines are replaced as Redis does. */
  error(msg: string): void {
    if (msg.indexOf('\r') !== -1 || msg.indexOf('\n') !== -1) msg = msg.replace(/[\r\n]/g, ' ');
    this.raw('-' + msg + '\r\n');
  }

  integer(n: number | bigint): void {
    this.raw(n < 10 && n >= 0 ? SMALL_INT[Number(n)] : ':' + String(n) + '\r\n');
  }

  bulk(s: string): void {
    const n = s.length;
    this.ensure(n + 16);
    const b = this.buf;
    let p = this.pos;
    p += b.latin1Write('$' + n + '\r\n', p);
    p += b.latin1Write(s, p);
    b[p++] = 13;
    b[p++] = 10;
    this.pos = p;
  }

  /** A bulk string whose bytes sit in `src[start, end)` (e.g. an off-heap string value). */
  bulkBytes(src: Buffer, start: number, end: number): void {
    const n = end - start;
    this.ensure(n + 16);
    const b = this.buf;
    let p = this.pos;
    p += b.latin1Write('$' + n + '\r\n', p);
    src.copy(b, p, start, end);
    p += n;
    b[p++] = 13;
    b[p++] = 10;
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
    this.raw(this.proto === 3 ? '_\r\n' : '$-1\r\n');
  }

  nullArray(): void {
    this.raw(this.proto === 3 ? '_\r\n' : '*-1\r\n');
  }

  array(n: number): void {
    this.raw('*' + n + '\r\n');
  }

  /** A map of n pairs: RESP3 `%`, RESP2 a flat array of 2n elements. */
  map(n: number): void {
    this.raw(this.proto === 3 ? '%' + n + '\r\n' : '*' + n * 2 + '\r\n');
  }

  set(n: number): void {
    this.raw(this.proto === 3 ? '~' + n + '\r\n' : '*' + n + '\r\n');
  }

  push(n: number): void {
    this.raw(this.proto === 3 ? '>' + n + '\r\n' : '*' + n + '\r\n');
  }

  /** A double, formatted as Redis 7.0 does (`%.17g`, `inf`, `-inf`). */
  double(d: number): void {
    const s = formatDouble(d);
    if (this.proto === 3) this.raw(',' + s + '\r\n');
    else this.bulk(s);
  }

  bool(b: boolean): void {
    if (this.proto === 3) this.raw(b ? '#t\r\n' : '#f\r\n');
    else this.raw(b ? ':1\r\n' : ':0\r\n');
  }

  /** Verbatim string (RESP3 `=`), a plain bulk string in RESP2. */
  verbatim(s: string, format = 'txt'): void {
    if (this.proto === 3) {
      this.raw('=' + (s.length + 4) + '\r\n' + format + ':');
      this.raw(s);
      this.raw('\r\n');
    } else this.bulk(s);
  }

  bigNumber(s: string): void {
    if (this.proto === 3) this.raw('(' + s + '\r\n');
    else this.bulk(s);
  }

  /**
   * Reserves room for an aggregate header whose length is not known yet (Redis's
   * addReplyDeferredLen). Returns a marker for `setDeferred*`.
   */
  deferLen(): number {
    return this.pos;
  }

  private insertHeader(marker: number, header: string): void {
    const hl = header.length;
    this.ensure(hl);
    this.buf.copy(this.buf, marker + hl, marker, this.pos);
    this.buf.latin1Write(header, marker);
    this.pos += hl;
  }

  setDeferredArray(marker: number, n: number): void {
    this.insertHeader(marker, '*' + n + '\r\n');
  }

  setDeferredMap(marker: number, n: number): void {
    this.insertHeader(marker, this.proto === 3 ? '%' + n + '\r\n' : '*' + n * 2 + '\r\n');
  }

  setDeferredSet(marker: number, n: number): void {
    this.insertHeader(marker, this.proto === 3 ? '~' + n + '\r\n' : '*' + n + '\r\n');
  }

  /** Takes the pending bytes out (for the socket write) and resets the buffer. */
  take(): Buffer | null {
    const n = this.pos;
    if (n === 0) return null;
    let out: Buffer;
    if (n > 64 * 1024) {
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

const SMALL_INT: string[] = [];
for (let i = 0; i < 10; i++) SMALL_INT.push(':' + i + '\r\n');
