/**
 * Incremental RESP request parser: multibulk (`*N\r\n$len\r\n...`) and inline commands,
 * with Redis's limits and exact protocol error texts (networking.c: processInlineBuffer,
 * processMultibulkBuffer).
 *
 * The parser is pull-based: `feed()` appends bytes, `next()` returns one complete command
 * (argv of latin1 strings) or `null` when more bytes are needed. A blocked or paused client
 * simply stops pulling; the rest of its pipeline stays buffered, exactly as in Redis.
 */

/** Largest inline request / count line before Redis gives up (PROTO_INLINE_MAX_SIZE). */
export const PROTO_INLINE_MAX_SIZE = 64 * 1024;
/** Limits for clients that still have to authenticate (CVE-2021-32675). */
const UNAUTH_MAX_ARGS = 10;
const UNAUTH_MAX_BULK = 16384;

export class ProtocolError extends Error {}

export interface ParserLimits {
  /** proto-max-bulk-len */
  maxBulkLen: number;
  /** true while the client must still AUTH: tighter limits apply */
  authRequired: boolean;
}

const CR = 13;
const LF = 10;

export class RequestParser {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private end = 0;
  /** Multibulk state: arguments still expected, and those parsed so far. */
  private multibulkLen = 0;
  private bulkLen = -1;
  private argv: string[] = [];
  /** Set when the last `next()` failed; the client replies with it and closes. */
  error: string | null = null;

  constructor(private readonly limits: ParserLimits) {}

  setAuthRequired(required: boolean): void {
    this.limits.authRequired = required;
  }

  setMaxBulkLen(n: number): void {
    this.limits.maxBulkLen = n;
  }

  /** Bytes received but not yet consumed as complete commands. */
  get pending(): number {
    return this.end - this.pos;
  }

  feed(chunk: Buffer): void {
    if (this.pos === this.end) {
      // Nothing buffered: parse straight from the socket's chunk, no copy.
      this.buf = chunk;
      this.ownsBuffer = false;
      this.pos = 0;
      this.end = chunk.length;
      return;
    }
    const remaining = this.end - this.pos;
    const need = remaining + chunk.length;
    if (this.buf.length - this.end >= chunk.length && this.ownsBuffer) {
      chunk.copy(this.buf, this.end);
      this.end += chunk.length;
      return;
    }
    // Grow geometrically so that a large bulk arriving in many chunks costs O(n), not O(n^2).
    let size = Math.max(16 * 1024, remaining * 2);
    if (size < need) size = need;
    if (this.bulkLen > 0 && this.bulkLen + 2 > need) size = Math.max(size, this.bulkLen + 2 + 256);
    const nb = Buffer.allocUnsafe(size);
    this.buf.copy(nb, 0, this.pos, this.end);
    chunk.copy(nb, remaining);
    this.buf = nb;
    this.ownsBuffer = true;
    this.pos = 0;
    this.end = need;
  }
  private ownsBuffer = false;

  /** Drop everything buffered (used when the connection is being closed). */
  reset(): void {
    this.buf = Buffer.alloc(0);
    this.pos = this.end = 0;
    this.multibulkLen = 0;
    this.bulkLen = -1;
    this.argv = [];
    this.ownsBuffer = false;
  }

  /**
   * Returns the next complete command, `null` if more data is needed, or throws
   * ProtocolError (message = the error text without "ERR ") on malformed input.
   * An empty argv (empty inline line, `*0`, `*-1`) is skipped internally.
   */
  next(): string[] | null {
    for (;;) {
      if (this.multibulkLen === 0) {
        if (this.pos >= this.end) {
          this.compact();
          return null;
        }
        if (this.buf[this.pos] === 0x2a /* '*' */) {
          const r = this.readMultibulkHeader();
          if (r === 0) return null; // need more
          if (r === 2) continue; // empty command, skip
        } else {
          const argv = this.readInline();
          if (argv === null) return null;
          if (argv.length === 0) continue;
          return argv;
        }
      }
      const argv = this.readBulks();
      if (argv !== null) return argv;
      return null;
    }
  }

  private compact(): void {
    if (this.pos === this.end) {
      this.pos = this.end = 0;
      if (!this.ownsBuffer) this.buf = EMPTY;
    }
  }

  private findCR(from: number): number {
    const i = this.buf.indexOf(CR, from);
    return i === -1 || i >= this.end ? -1 : i;
  }

  /** 0 = need more, 1 = header read (bulks follow), 2 = empty command consumed. */
  private readMultibulkHeader(): number {
    const cr = this.findCR(this.pos);
    if (cr === -1) {
      if (this.end - this.pos > PROTO_INLINE_MAX_SIZE) this.fail('too big mbulk count string');
      return 0;
    }
    if (cr + 1 >= this.end) return 0; // need the \n too
    const ll = parseLongLong(this.buf, this.pos + 1, cr);
    if (ll === null || ll > 1024 * 1024) this.fail('invalid multibulk length');
    if (ll > UNAUTH_MAX_ARGS && this.limits.authRequired) this.fail('unauthenticated multibulk length');
    this.pos = cr + 2;
    if (ll <= 0) return 2;
    this.multibulkLen = ll;
    this.argv = [];
    return 1;
  }

  private readBulks(): string[] | null {
    const buf = this.buf;
    while (this.multibulkLen > 0) {
      if (this.bulkLen === -1) {
        const cr = this.findCR(this.pos);
        if (cr === -1) {
          if (this.end - this.pos > PROTO_INLINE_MAX_SIZE) this.fail('too big bulk count string');
          return null;
        }
        if (cr + 1 >= this.end) return null;
        if (buf[this.pos] !== 0x24 /* '$' */) {
          this.fail(`expected '$', got '${String.fromCharCode(buf[this.pos])}'`);
        }
        const ll = parseLongLong(buf, this.pos + 1, cr);
        if (ll === null || ll < 0 || ll > this.limits.maxBulkLen) this.fail('invalid bulk length');
        if (ll > UNAUTH_MAX_BULK && this.limits.authRequired) this.fail('unauthenticated bulk length');
        this.pos = cr + 2;
        this.bulkLen = ll;
      }
      if (this.end - this.pos < this.bulkLen + 2) {
        // Make room for the whole bulk at once when it is large.
        return null;
      }
      this.argv.push(buf.latin1Slice(this.pos, this.pos + this.bulkLen));
      this.pos += this.bulkLen + 2;
      this.bulkLen = -1;
      this.multibulkLen--;
    }
    const argv = this.argv;
    this.argv = [];
    return argv;
  }

  private readInline(): string[] | null {
    const nl = this.buf.indexOf(LF, this.pos);
    if (nl === -1 || nl >= this.end) {
      if (this.end - this.pos > PROTO_INLINE_MAX_SIZE) this.fail('too big inline request');
      return null;
    }
    let lineEnd = nl;
    if (lineEnd > this.pos && this.buf[lineEnd - 1] === CR) lineEnd--;
    const line = this.buf.latin1Slice(this.pos, lineEnd);
    this.pos = nl + 1;
    const argv = splitArgs(line);
    if (argv === null) this.fail('unbalanced quotes in request');
    return argv;
  }

  private fail(msg: string): never {
    this.error = `Protocol error: ${msg}`;
    this.reset();
    throw new ProtocolError(this.error);
  }
}

const EMPTY = Buffer.alloc(0);

/**
 * Parses a signed decimal integer from buf[start, end) with Redis's string2ll rules
 * (no leading '+', no leading zeros, no spaces). Returns null when invalid.
 * Values beyond 2^53 are not needed by the protocol (limits are far lower).
 */
export function parseLongLong(buf: Buffer, start: number, end: number): number | null {
  if (start >= end || end - start > 20) return null;
  let i = start;
  let neg = false;
  if (buf[i] === 0x2d) {
    neg = true;
    i++;
    if (i === end) return null;
  }
  if (end - i === 1 && buf[i] === 0x30) return neg ? null : 0;
  if (buf[i] < 0x31 || buf[i] > 0x39) return null;
  let v = 0;
  for (; i < end; i++) {
    const d = buf[i] - 0x30;
    if (d < 0 || d > 9) return null;
    v = v * 10 + d;
  }
  return neg ? -v : v;
}

function isHex(c: string): boolean {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

function isSpace(c: string): boolean {
  return c === ' ' || c === '\n' || c === '\r' || c === '\t' || c === '\v' || c === '\f';
}

/**
 * Splits an inline command line like Redis's sdssplitargs: whitespace separated, "double
 * quoted" strings with \n \r \t \b \a \\ \" and \xHH escapes, 'single quoted' strings with \'.
 * A closing quote must be followed by a space or the end. Returns null on unbalanced quotes.
 */
export function splitArgs(line: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    while (i < n && isSpace(line[i])) i++;
    if (i >= n) return out;
    let inq = false; // inside "double quotes"
    let insq = false; // inside 'single quotes'
    let done = false;
    let cur = '';
    while (!done) {
      if (inq) {
        if (i >= n) return null;
        const c = line[i];
        if (c === '\\' && line[i + 1] === 'x' && i + 3 < n && isHex(line[i + 2]) && isHex(line[i + 3])) {
          cur += String.fromCharCode(parseInt(line.substr(i + 2, 2), 16));
          i += 3;
        } else if (c === '\\' && i + 1 < n) {
          i++;
          const e = line[i];
          cur +=
            e === 'n'
              ? '\n'
              : e === 'r'
                ? '\r'
                : e === 't'
                  ? '\t'
                  : e === 'b'
                    ? '\b'
                    : e === 'a'
                      ? '\x07'
                      : e;
        } else if (c === '"') {
          if (i + 1 < n && !isSpace(line[i + 1])) return null;
          done = true;
        } else {
          cur += c;
        }
      } else if (insq) {
        if (i >= n) return null;
        const c = line[i];
        if (c === '\\' && line[i + 1] === "'") {
          i++;
          cur += "'";
        } else if (c === "'") {
          if (i + 1 < n && !isSpace(line[i + 1])) return null;
          done = true;
        } else {
          cur += c;
        }
      } else {
        if (i >= n) {
          done = true;
          break;
        }
        const c = line[i];
        if (isSpace(c)) done = true;
        else if (c === '"') inq = true;
        else if (c === "'") insq = true;
        else cur += c;
      }
      if (i < n) i++;
    }
    out.push(cur);
  }
}
